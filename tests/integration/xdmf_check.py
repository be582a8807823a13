"""Open an .xdmf file with ParaView's XDMF reader and print what it sees, as JSON.

Used by test_xdmf_paraview.cpp: python3 xdmf_check.py FILE.xdmf. Needs Debian's
python3-paraview (the `paraview` module for /usr/bin/python3). Prints
{"reader", "class", "dimensions" (points x y z), "cells", "origin", "spacing",
 "cell_arrays": {name: {"components", "tuples", "range" and "values" of component 0,
 "sum" of all}}}.
"""
import json
import sys

from paraview import servermanager
from paraview.simple import XDMFReader


def image_of(data):
    """The vtkImageData a reader produced, inside a multiblock or not."""
    if data.IsA("vtkImageData"):
        return data
    if data.IsA("vtkMultiBlockDataSet"):
        for k in range(data.GetNumberOfBlocks()):
            found = image_of(data.GetBlock(k))
            if found is not None:
                return found
    return None


def main(path):
    reader = XDMFReader(FileNames=[path])
    reader.UpdatePipeline()
    data = servermanager.Fetch(reader)
    image = image_of(data)
    if image is None:
        print(json.dumps({"error": "no image data", "class": data.GetClassName()}))
        return 1
    arrays = {}
    cell_data = image.GetCellData()
    for k in range(cell_data.GetNumberOfArrays()):
        a = cell_data.GetArray(k)
        total = 0.0
        for t in range(a.GetNumberOfTuples()):
            for c in range(a.GetNumberOfComponents()):
                total += a.GetComponent(t, c)
        arrays[a.GetName()] = {
            "components": a.GetNumberOfComponents(),
            "tuples": a.GetNumberOfTuples(),
            "range": list(a.GetRange(0)),
            "sum": total,
            # Component 0 of every cell in VTK order (x fastest), for small test files.
            "values": [a.GetComponent(t, 0) for t in range(min(a.GetNumberOfTuples(), 4096))],
        }
    print(json.dumps({
        "reader": "XDMFReader",
        "class": image.GetClassName(),
        "dimensions": list(image.GetDimensions()),
        "cells": image.GetNumberOfCells(),
        "origin": list(image.GetOrigin()),
        "spacing": list(image.GetSpacing()),
        "cell_arrays": arrays,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
