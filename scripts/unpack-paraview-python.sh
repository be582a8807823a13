#!/usr/bin/env bash
# Unpacks Debian's python3-paraview (ParaView's Python modules, the XDMF reader among them) into
# .deps/python3-paraview/ without installing it, so tests can use ParaView's XDMF reader.
#
# Why not `apt-get install python3-paraview`: in Debian 12 it conflicts with python3-vtk9 (both
# ship a top-level `vtkmodules`), and libvtk9-dev, which the studio's VTK views need, depends on
# python3-vtk9. The two never meet in one process here: the XDMF test runs Debian's
# /usr/bin/python3 with PYTHONPATH pointing at the unpacked modules, which load the ParaView
# libraries of the installed `paraview` package. Idempotent; needs `paraview` installed (setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.deps/python3-paraview
version=$(dpkg-query -W -f='${Version}' paraview 2>/dev/null || true)
if [ -z "$version" ]; then
  echo "unpack-paraview-python: the paraview package is not installed; run scripts/setup.sh" >&2
  exit 1
fi
if [ -f "$dest/VERSION" ] && [ "$(cat "$dest/VERSION")" = "$version" ]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current folder; the modules must match the installed libraries.
(cd "$work" && apt-get download -qq "python3-paraview=$version" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
deb=$(ls "$work"/python3-paraview_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
  echo "unpack-paraview-python: could not download python3-paraview $version from the Debian archive" >&2
  exit 1
fi
dpkg-deb -x "$deb" "$work/root"
rm -rf "$dest.new"
mkdir -p "$dest.new"
mv "$work/root/usr/lib/python3/dist-packages" "$dest.new/dist-packages"
echo "$version" > "$dest.new/VERSION"
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "unpack-paraview-python: ParaView $version Python modules in $dest"
