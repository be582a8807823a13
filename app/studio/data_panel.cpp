#include "data_panel.hpp"

#include <QHeaderView>

#include "ebsd/orientation/laue_group.hpp"
#include "length_format.hpp"

namespace ebsd::studio {
namespace {

QString listOf(const std::set<std::int64_t>& s) {
  QStringList parts;
  for (std::int64_t z : s) parts << QString::number(z);
  return parts.isEmpty() ? QObject::tr("none") : parts.join(QStringLiteral(", "));
}

// A JSON value as one line, or its members as children.
void addJson(QTreeWidgetItem* parent, const QString& key, const nlohmann::json& value) {
  auto* item = new QTreeWidgetItem(parent, {key});
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) addJson(item, QString::fromStdString(it.key()), it.value());
  } else if (value.is_string()) {
    item->setText(1, QString::fromStdString(value.get<std::string>()));
  } else {
    item->setText(1, QString::fromStdString(value.dump()));
  }
  item->setToolTip(1, item->text(1));
}

}  // namespace

DataPanel::DataPanel(QWidget* parent) : QTreeWidget(parent) {
  setColumnCount(2);
  setHeaderLabels({tr("Item"), tr("Value")});
  header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  setAlternatingRowColors(true);
  setUniformRowHeights(true);
}

QTreeWidgetItem* DataPanel::section(const QString& title) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->text(0) == title) return topLevelItem(i);
  return nullptr;
}

void DataPanel::show(const Volume* v, const QString& filePath, const nlohmann::json& importReport, const QStringList& newChannels) {
  clear();
  if (!v) {
    addTopLevelItem(new QTreeWidgetItem({tr("No volume"), tr("open a file (File \u25b8 Open, or drop it here)")}));
    return;
  }
  auto* file = new QTreeWidgetItem(this, {tr("File"), filePath.isEmpty() ? tr("(not saved)") : filePath});
  file->setToolTip(1, file->text(1));

  const QString unit = unitSymbol(v->length_unit());
  auto* grid = new QTreeWidgetItem(this, {tr("Grid")});
  new QTreeWidgetItem(grid, {tr("voxels"), QStringLiteral("%1 \u00d7 %2 \u00d7 %3 (%4)").arg(v->nx()).arg(v->ny()).arg(v->nz()).arg(v->voxel_count())});
  new QTreeWidgetItem(grid, {tr("spacing"), QStringLiteral("%1, %2, %3 %4").arg(v->spacing()[0]).arg(v->spacing()[1]).arg(v->spacing()[2]).arg(unit)});
  new QTreeWidgetItem(grid, {tr("origin"), QStringLiteral("%1, %2, %3 %4").arg(v->origin()[0]).arg(v->origin()[1]).arg(v->origin()[2]).arg(unit)});
  new QTreeWidgetItem(grid, {tr("indexed"), QStringLiteral("%1 %").arg(100.0 * v->indexed_fraction(), 0, 'f', 1)});
  grid->setExpanded(true);

  auto* phases = new QTreeWidgetItem(this, {tr("Phases"), QString::number(v->phases().size())});
  for (std::size_t k = 0; k < v->phases().size(); ++k) {
    const Phase& p = v->phases()[k];
    auto* item = new QTreeWidgetItem(phases, {QStringLiteral("%1  %2").arg(k + 1).arg(QString::fromStdString(p.name)),
                                              QString::fromUtf8(laue_symbol(p.laue).data())});
    new QTreeWidgetItem(item, {tr("lattice"), QStringLiteral("a %1, b %2, c %3 \u00c5; \u03b1 %4, \u03b2 %5, \u03b3 %6\u00b0")
                                                  .arg(p.lattice[0]).arg(p.lattice[1]).arg(p.lattice[2])
                                                  .arg(p.lattice[3]).arg(p.lattice[4]).arg(p.lattice[5])});
  }
  phases->setExpanded(true);

  auto* channels = new QTreeWidgetItem(this, {tr("Channels"), QString::number(v->channels().size())});
  for (const auto& [name, c] : v->channels()) {
    const QString label = QString::fromStdString(name);
    const bool fresh = newChannels.contains(label);
    auto* item = new QTreeWidgetItem(channels, {fresh ? tr("%1  (new)").arg(label) : label, QString::fromStdString(c.unit)});
    if (fresh) {
      QFont bold = item->font(0);
      bold.setBold(true);
      item->setFont(0, bold);
    }
    if (!c.description.empty()) {
      item->setToolTip(0, QString::fromStdString(c.description));
      new QTreeWidgetItem(item, {tr("description"), QString::fromStdString(c.description)});
    }
  }
  channels->setExpanded(true);

  if (v->has_grain_ids()) {
    std::int32_t maxId = 0;
    for (std::int32_t id : v->grain_ids()) maxId = std::max(maxId, id);
    new QTreeWidgetItem(this, {tr("Grains"), QString::number(maxId)});
  } else {
    new QTreeWidgetItem(this, {tr("Grains"), tr("not segmented")});
  }
  auto* missing = new QTreeWidgetItem(this, {tr("Missing slices"), listOf(v->missing_slices())});
  auto* damaged = new QTreeWidgetItem(this, {tr("Damaged slices"), listOf(v->damaged_slices())});
  if (!v->missing_slices().empty()) missing->setForeground(1, QColor(200, 20, 20));
  if (!v->damaged_slices().empty()) damaged->setForeground(1, QColor(200, 120, 0));

  if (!importReport.is_null()) addJson(invisibleRootItem(), tr("Import report"), importReport);

  auto* provenance = new QTreeWidgetItem(this, {tr("Provenance"), QString::number(v->provenance().size())});
  for (const ProvenanceRecord& r : v->provenance()) {
    auto* item = new QTreeWidgetItem(provenance, {QString::fromStdString(r.step), QString::fromStdString(r.time_utc)});
    if (!r.note.empty()) new QTreeWidgetItem(item, {tr("note"), QString::fromStdString(r.note)});
    if (!r.software_version.empty()) new QTreeWidgetItem(item, {tr("version"), QString::fromStdString(r.software_version)});
    addJson(item, tr("parameters"), r.parameters);
  }
  provenance->setExpanded(true);
}

}  // namespace ebsd::studio
