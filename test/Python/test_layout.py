"""test_layout.py: the ctypes mirrors of the runtime's structs that PREFIX_get_stats fills
(python/gcim/library.py) have the C structs' fields in the C order: a struct that grows in
include/gcim/Runtime/Sim.h but not here makes the library write past Python's buffer."""
import re

from conftest import SOURCE
from gcim import library


def c_fields(struct_name):
    """Field names of `typedef struct struct_name {...}` in gcim/Runtime/Sim.h, in order."""
    header = (SOURCE / "include/gcim/Runtime/Sim.h").read_text()
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (struct_name, struct_name), header,
                     re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names = []
    for declaration in body.split(";"):
        declaration = declaration.strip()
        if declaration:
            # "double spillPJ, linkPJ" -> spillPJ, linkPJ; "int64_t reloads" -> reloads
            first, *rest = declaration.split(",")
            names.append(first.split()[-1].lstrip("*"))
            names.extend(name.strip().lstrip("*") for name in rest)
    return names


def test_sim_structs_match_the_header():
    for c_name, mirror in [("GcimSimStats", library.CSimStats),
                           ("GcimSimScheduleStats", library.CSimScheduleStats),
                           ("GcimSimSummary", library.CSimSummary)]:
        assert [name for name, _ in mirror._fields_] == c_fields(c_name), c_name
