#include "child_step_run.hpp"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <csignal>
#include <deque>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/pipeline/pipeline_file.hpp"

namespace ebsd::studio {
namespace {

// Splits what arrived into complete lines; keeps an unfinished last line for later.
QStringList takeLines(QByteArray& buffer, const QByteArray& more) {
  buffer += more;
  QStringList lines;
  qsizetype end;
  while ((end = buffer.indexOf('\n')) >= 0) {
    lines << QString::fromUtf8(buffer.left(end)).trimmed();
    buffer.remove(0, end + 1);
  }
  return lines;
}

}  // namespace

nlohmann::json childPipeline(const std::string& input, const std::string& stepId, const nlohmann::json& parameters,
                             const std::string& output) {
  return {{"format", pipeline::kPipelineFormat},
          {"version", pipeline::kPipelineVersion},
          {"name", "ebsd-studio: " + stepId},
          {"steps",
           {{{"step", "read"}, {"params", {{"paths", {input}}}}},
            {{"step", stepId}, {"params", parameters.is_null() ? nlohmann::json::object() : parameters}},
            {{"step", "write"}, {"params", {{"path", output}}}}}}};
}

ChildStepResult runStepInChildProcess(const QString& ebsd, const Volume& input, const pipeline::StepInfo& step,
                                      const nlohmann::json& parameters, Progress& progress, const ChildLog& log) {
  const std::string place = "step '" + step.id + "' (in " + ebsd.toStdString() + ")";
  QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/ebsd-studio-step-XXXXXX"));
  if (!dir.isValid()) throw Error("cannot make a temporary folder: " + dir.errorString().toStdString(), QDir::tempPath().toStdString());
  const std::string in = dir.filePath(QStringLiteral("input.ebsd.h5")).toStdString();
  const std::string out = dir.filePath(QStringLiteral("output.ebsd.h5")).toStdString();
  const std::string pipelineFile = dir.filePath(QStringLiteral("pipeline.json")).toStdString();

  // 0 .. 10 %: hand the volume over; 10 .. 90 %: the child; 90 .. 100 %: read the result.
  {
    Progress part = progress.part(0.0, 0.1, "handing the volume to ebsd");
    io::write_volume(in, input, part);
    std::ofstream f(pipelineFile);
    f << childPipeline(in, step.id, parameters, out).dump(2) << "\n";
    if (!f) throw Error("cannot write the pipeline file", pipelineFile);
  }
  progress.check();

  QProcess child;
  child.start(ebsd, {QStringLiteral("run"), QString::fromStdString(pipelineFile), QStringLiteral("--json"), QStringLiteral("--progress-json")});
  if (!child.waitForStarted(30000)) throw Error("cannot start ebsd: " + child.errorString().toStdString(), "", place);

  QByteArray errBuffer, outBytes;
  std::deque<QString> lastLines;  // for the error message
  QString lastErrorLine;          // the last "ebsd: error: ..." line
  bool interrupted = false;
  const Progress running = progress.part(0.1, 0.9);
  auto readErr = [&] {
    for (const QString& line : takeLines(errBuffer, child.readAllStandardError())) {
      if (line.isEmpty()) continue;
      if (line.startsWith(QLatin1Char('{'))) {
        try {
          const auto j = nlohmann::json::parse(line.toStdString());
          if (j.is_object() && j.contains("progress") && j["progress"].is_number()) {
            running.report(j["progress"].get<double>(), j.value("message", std::string()));
            continue;
          }
        } catch (const nlohmann::json::exception&) {
          // not a progress line: logged below
        }
      }
      // LibTorch's stack trace after an error helps nobody reading the log.
      if (line.startsWith(QLatin1String("frame #"))) continue;
      if (line.startsWith(QLatin1String("ebsd: error:"))) lastErrorLine = line;
      lastLines.push_back(line);
      if (lastLines.size() > 12) lastLines.pop_front();
      if (log) log(line);
    }
  };
  while (true) {
    const bool done = child.waitForFinished(50);
    readErr();
    outBytes += child.readAllStandardOutput();
    if (done || child.state() == QProcess::NotRunning) break;
    if (progress.cancelled() && !interrupted) {
      // Ctrl-C, as on a terminal: ebsd stops at its next check and exits with 130.
      ::kill(static_cast<pid_t>(child.processId()), SIGINT);
      interrupted = true;
    }
  }
  readErr();
  outBytes += child.readAllStandardOutput();
  if (!errBuffer.trimmed().isEmpty()) lastLines.push_back(QString::fromUtf8(errBuffer).trimmed());

  const int code = child.exitCode();
  if (child.exitStatus() != QProcess::NormalExit)
    throw Error("ebsd stopped abnormally (" + child.errorString().toStdString() + ")", "", place);
  if (code == 130) {
    if (log) log(QStringLiteral("ebsd run was interrupted (exit code 130); output written: %1")
                     .arg(QFile::exists(QString::fromStdString(out)) ? QStringLiteral("yes") : QStringLiteral("none")));
    throw Cancelled();
  }
  if (code != 0) {
    // ebsd's own message ("ebsd: error: ...") says it; LibTorch adds a stack trace after it.
    QString message = lastErrorLine;
    if (message.isEmpty()) message = QStringList(lastLines.begin(), lastLines.end()).join(QLatin1Char('\n'));
    throw Error("ebsd run failed (exit code " + std::to_string(code) + "): " + message.toStdString(), "", place);
  }
  if (interrupted) throw Cancelled();  // it finished just as it was asked to stop: keep nothing

  ChildStepResult result;
  try {
    const auto j = nlohmann::json::parse(outBytes.constData(), outBytes.constData() + outBytes.size());
    for (const auto& s : j.at("steps"))
      if (s.value("step", std::string()) == step.id) result.report = s.value("report", nlohmann::json());
  } catch (const nlohmann::json::exception&) {
    // The report is a nicety; the volume is what matters.
  }
  Progress reading = progress.part(0.9, 1.0, "reading the result");
  result.volume = io::read_volume(out, reading);
  return result;
}

}  // namespace ebsd::studio
