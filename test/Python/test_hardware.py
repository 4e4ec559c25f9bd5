"""test_hardware.py: gcim.hardware(): the defaults come from gcim-sim, changes are checked
as they are made (keys, types) and by gcim-sim when saved (ranges)."""
import json
import os
import stat
import threading

import pytest

import gcim


def test_defaults_and_keys():
    hw = gcim.hardware()
    assert hw["window"] == 1024 and hw["query.levels"] == 16 and hw["cell"] == "nonlinear"
    assert {"window", "kv.max", "cost.headTokenLatencyNs", "noise.seed"} <= set(hw.keys())


def test_change_save_and_read_back(tmp_path):
    hw = gcim.hardware()
    hw["window"] = 256
    hw["cell"] = "linear"
    hw["output.levels"] = 64
    hw["decayLambda"] = 0  # an int where the file has a float
    path = hw.save(tmp_path / "hw.json")
    again = gcim.hardware(path)
    assert (again["window"], again["cell"], again["output.levels"]) == (256, "linear", 64)
    assert again.to_dict() == hw.to_dict() | {"decayLambda": 0}


def test_unknown_keys_and_wrong_types_raise_at_once():
    hw = gcim.hardware()
    with pytest.raises(KeyError, match="'windw'"):
        hw["windw"] = 3
    with pytest.raises(KeyError, match="'query.lvls'"):
        hw["query.lvls"]
    with pytest.raises(TypeError, match="'window' holds int"):
        hw["window"] = "big"
    with pytest.raises(TypeError):
        hw["decayEnabled"] = 1
    with pytest.raises(TypeError):
        hw["query"] = {"levels": 4}
    with pytest.raises(TypeError):
        hw["cellCoeffs"] = [1.0, 2.0]


def test_invalid_values_are_refused_by_gcim_sim_and_nothing_is_written(tmp_path):
    hw = gcim.hardware()
    hw["window"] = -3
    with pytest.raises(gcim.GcimError, match="window must be >= 1"):
        hw.save(tmp_path / "hw.json")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(gcim.GcimError, match="missing.json"):
        gcim.hardware(tmp_path / "missing.json")


def test_save_writes_a_pipe_in_place_and_keeps_a_link(tmp_path):
    # A rename over a device or pipe replaces it with a file (as root, /dev/null itself):
    # a FIFO must stay a FIFO and its reader get the JSON.
    hw = gcim.hardware()
    hw["window"] = 128
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    hw.save(fifo)
    reader.join(timeout=10)
    assert not reader.is_alive() and json.loads(received[0])["window"] == 128
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)

    # A symbolic link stays a link; its target gets the file.
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("{}")
    link.symlink_to(target)
    hw.save(link)
    assert link.is_symlink() and gcim.hardware(target)["window"] == 128
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "pipe", "real.json"]
