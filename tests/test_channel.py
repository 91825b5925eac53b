import json

import numpy as np
import pytest

from grader.probe_files import read_probe
from keras_course.channel import ChannelError, Unencodable, decode, encode, write_probe


def roundtrip(value):
    return decode(json.loads(json.dumps(encode(value))))


def test_arrays_numbers_and_strings_roundtrip():
    np.testing.assert_array_equal(roundtrip(np.arange(6).reshape(2, 3)), np.arange(6).reshape(2, 3))
    assert roundtrip(2.5) == 2.5
    assert roundtrip("relu") == "relu"
    assert roundtrip(None) is None


class AlwaysEqual:
    def __eq__(self, other):
        return True


def test_objects_that_pretend_are_not_encoded():
    with pytest.raises(Unencodable):
        encode(AlwaysEqual())
    with pytest.raises(Unencodable):
        encode([AlwaysEqual(), 1.0])


@pytest.mark.parametrize(
    "forged",
    [
        {"type": "array", "dtype": "float64", "shape": [2], "data": [1.0]},
        {"type": "array", "dtype": "object", "shape": [1], "data": [1]},
        {"type": "array", "dtype": "float64", "shape": [1], "data": ["1.0"]},
        {"type": "array", "dtype": "int64", "shape": [1], "data": [True]},
        {"type": "pickle", "data": "gASV"},
        ["not", "a", "dict"],
    ],
)
def test_forged_values_are_rejected(forged):
    with pytest.raises(ChannelError):
        decode(forged)


def test_probe_files_are_read_strictly(tmp_path):
    write_probe(tmp_path, "q1_x", {"p0.case0": encode(1.0)})
    assert read_probe(tmp_path, "q1_x") == {"p0.case0": encode(1.0)}
    (tmp_path / "q2_y.json").write_text("{not json")
    with pytest.raises(ChannelError):
        read_probe(tmp_path, "q2_y")
    (tmp_path / "q3_z.json").write_text(json.dumps({"question": "other", "items": {}}))
    with pytest.raises(ChannelError):
        read_probe(tmp_path, "q3_z")
    assert read_probe(tmp_path, "q4_missing") is None
    with pytest.raises(ChannelError):
        read_probe(tmp_path, "../etc/passwd")


def test_a_probe_folder_replaced_by_a_link_to_a_classmates_is_refused(tmp_path):
    classmate = tmp_path / "classmate" / "probes"
    classmate.mkdir(parents=True)
    write_probe(classmate, "q1_x", {"p0.case0": encode(1.0)})
    mine = tmp_path / "me"
    mine.mkdir()
    (mine / "probes").symlink_to(classmate)
    with pytest.raises(ChannelError):
        read_probe(mine / "probes", "q1_x")
    (classmate / "q2_y.json").symlink_to(classmate / "q1_x.json")
    assert read_probe(classmate, "q2_y") is None
