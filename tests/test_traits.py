"""Resource-trait schemas: Dhall descriptors, seed conformance, derived JSON Schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from rating.errors import RatecardError
from rating.library import traits_dir
from rating.load.dhall import evaluate_text
from rating.load.traits import (
    builtin_resource_types,
    json_schema,
    load_resource_types,
    merge_resource_types,
    sample_json_schema,
)
from rating.model import ResourceType, Trait, TraitType

# meshStack's documented OpenStack trait types, vendored so the check runs anywhere.
SEED = Path(__file__).resolve().parent / "data" / "meshstack-openstack-traits.md"

FILES = {
    "openstack.neutron.floating-ip": "openstack/neutron/floating-ip.dhall",
    "openstack.neutron.router": "openstack/neutron/router.dhall",
    "openstack.neutron.load-balancer": "openstack/neutron/load-balancer.dhall",
    "openstack.cinder.volume": "openstack/cinder/volume.dhall",
    "openstack.cinder.snapshot": "openstack/cinder/snapshot.dhall",
    "openstack.glance.image": "openstack/glance/image.dhall",
    "openstack.nova.server": "openstack/nova/server.dhall",
    "kubernetes.pod": "kubernetes/pod.dhall",
    "kubernetes.persistent-volume-claim": "kubernetes/persistent-volume-claim.dhall",
    "cloudfoundry.app": "cloudfoundry/app.dhall",
    "cloudfoundry.service-instance": "cloudfoundry/service-instance.dhall",
    "osb.service-instance": "osb/service-instance.dhall",
    "mesh.tenant": "mesh/tenant.dhall",
}

SEED_TYPES = {
    "FloatingIpResourceTraits": "openstack.neutron.floating-ip",
    "RouterResourceTraits": "openstack.neutron.router",
    "LoadBalancerResourceTraits": "openstack.neutron.load-balancer",
    "VolumeSnapshotResourceTraits": "openstack.cinder.snapshot",
    "VolumeResourceTraits": "openstack.cinder.volume",
    "ImageResourceTraits": "openstack.glance.image",
    "VirtualMachineResourceTraits": "openstack.nova.server",
}


def dhall_eval(text: str) -> Any:
    return evaluate_text(text, traits_dir())


def by_id() -> dict[str, ResourceType]:
    return {rt.id: rt for rt in builtin_resource_types()}


def test_builtin_ids_and_files() -> None:
    assert [rt.id for rt in builtin_resource_types()] == list(FILES)
    for type_id, file in FILES.items():
        assert dhall_eval(f"(./{file}).schema")["id"] == type_id


def test_server_descriptor_known_answer() -> None:
    server = by_id()["openstack.nova.server"]
    assert server.platform == "OpenStack"
    assert server.trait("vcpu") == Trait(
        "vcpu", TraitType.INTEGER, True, "{vCPU}", "Number of virtual CPUs"
    )
    assert server.trait("state") == Trait(
        "state", TraitType.TEXT, False, None, "Virtual machine state"
    )
    assert by_id()["kubernetes.pod"].trait("milliCpu").unit == "m{CPU}"
    assert by_id()["kubernetes.persistent-volume-claim"].trait("storageMb").unit == "MiBy"
    assert by_id()["cloudfoundry.app"].trait("instances").unit == "{instance}"
    assert by_id()["openstack.cinder.volume"].trait("size").unit == "GiBy"


def _seed_blocks() -> list[tuple[str, str, str]]:
    """(type name, Dhall type text, example literal) for each seed resource type."""
    text = SEED.read_text()
    types = dict(re.findall(r"```dhall\nlet (\w+ResourceTraits) =\n(.*?)```", text, re.S))
    examples = re.findall(r"```dhall\nlet example\n    : (\w+)\n    = (.*?)```", text, re.S)
    assert len(types) == len(examples) == 7
    return [(name, types[name], literal) for name, literal in examples]


def test_seed_types_equal_ours_and_examples_typecheck() -> None:
    for name, seed_type, literal in _seed_blocks():
        file = FILES[SEED_TYPES[name]]
        # Annotating a value of the seed's type with ours only type-checks if
        # both types are the same (names, types and Optional-ness).
        same = f"let Ours = ./{file} in let f = \\(x : {seed_type}) -> (x : Ours.Type) in True"
        assert dhall_eval(same) is True, name
        assert isinstance(dhall_eval(f"({literal} : (./{file}).Type)"), dict), name


def test_json_schema_per_trait_type() -> None:
    traits = tuple(Trait(f"t{i}", t, False, None, "") for i, t in enumerate(TraitType))
    rt = ResourceType("x.all", "X", "All", "every trait type", traits)
    schema = json_schema(rt)
    props = schema["properties"]
    assert schema["required"] == [t.name for t in traits]
    assert schema["additionalProperties"] is False
    assert props["t0"]["type"] == "string"
    assert props["t1"] == {
        "type": "integer",
        "minimum": -(2**63),
        "maximum": 2**63 - 1,
        "description": "",
    }
    assert props["t2"]["type"] == "integer" and props["t2"]["minimum"] == 0
    assert props["t3"]["type"] == "number"
    assert props["t4"]["type"] == "boolean"
    assert props["t5"] == {"type": "array", "items": {"type": "string"}, "description": ""}
    assert props["t7"]["items"]["minimum"] == 0
    valid = {"t0": "a", "t1": -3, "t2": 0, "t3": 1.5, "t4": True, "t5": ["a"], "t6": [1]}
    valid |= {"t7": [2], "t8": [0.5], "t9": [False]}
    validator = Draft202012Validator(schema)
    assert validator.is_valid(valid)
    for name, bad in [("t1", "3"), ("t2", -1), ("t3", "x"), ("t4", 1), ("t5", "a"), ("t7", [-1])]:
        assert not validator.is_valid(valid | {name: bad}), name
    assert not validator.is_valid(valid | {"extra": 1})
    missing = dict(valid)
    del missing["t0"]
    assert not validator.is_valid(missing)


def test_optional_trait_accepts_null() -> None:
    server = by_id()["openstack.nova.server"]
    validator = Draft202012Validator(json_schema(server))
    assert validator.is_valid({"state": "ACTIVE", "vcpu": None})
    assert not validator.is_valid({"state": None})


def test_sample_envelope_schema() -> None:
    server = by_id()["openstack.nova.server"]
    validator = Draft202012Validator(sample_json_schema(server))
    sample = {
        "time": "2026-10-01T10:00:00Z",
        "resource": {"id": "vm-1", "type": "openstack.nova.server", "name": "web"},
        "scope": {"platformType": "OpenStack", "location": "eu-de-1", "tenant": "p"},
        "traits": {"state": "ACTIVE", "vcpu": 2},
    }
    assert validator.is_valid(sample)
    assert validator.is_valid(sample | {"event": "delete"})
    assert not validator.is_valid(sample | {"event": "resize"})
    assert not validator.is_valid(sample | {"resource": {"id": "vm-1", "type": "kubernetes.pod"}})
    assert not validator.is_valid(sample | {"scope": {"location": "x"}})


# ---------------------------------------------------------------- Type and schema agree


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against the (small) JSON Schema subset json_schema() derives."""
    kind = schema.get("type")
    if isinstance(kind, list):
        (inner,) = [k for k in kind if k != "null"]
        return st.none() | from_schema(schema | {"type": inner})
    if kind == "object":
        required = set(schema["required"])
        props = {k: from_schema(v) for k, v in schema["properties"].items()}
        return st.fixed_dictionaries(
            {k: v for k, v in props.items() if k in required},
            optional={k: v for k, v in props.items() if k not in required},
        )
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(from_schema(schema["items"]), max_size=3)
    return st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=8)


def dhall_value(value: Any, trait_type: TraitType) -> str:
    name = trait_type.value
    if name.startswith("List "):
        item = TraitType(name.removeprefix("List "))
        if not value:
            return f"[] : {name}"
        return "[" + ", ".join(dhall_value(v, item) for v in value) + "]"
    if name == "Integer":
        return f"+{value}" if value >= 0 else str(value)
    if name == "Bool":
        return "True" if value else "False"
    if name in ("Natural", "Double"):
        return repr(value)
    return json.dumps(value, ensure_ascii=False).replace("$", "\\u0024")


def dhall_record(traits: dict[str, Any], rt: ResourceType) -> str:
    fields = []
    for name, value in traits.items():
        trait = rt.trait(name)
        if not trait.optional:
            fields.append(f"{name} = {dhall_value(value, trait.type)}")
        elif value is None:
            fields.append(f"{name} = None {trait.type.value}")
        else:
            fields.append(f"{name} = Some ({dhall_value(value, trait.type)})")
    return "{ " + ", ".join(fields) + " }" if fields else "{=}"


@st.composite
def typed_records(draw: st.DrawFn) -> tuple[ResourceType, dict[str, Any]]:
    rt = draw(st.sampled_from(builtin_resource_types()))
    traits = draw(from_schema(json_schema(rt)))
    # A Dhall record value lists every field; Optional ones absent become None.
    return rt, {t.name: traits.get(t.name) for t in rt.traits}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_records())
def test_generated_traits_typecheck_against_dhall_type(
    case: tuple[ResourceType, dict[str, Any]],
) -> None:
    rt, traits = case
    file = FILES[rt.id]
    literal = dhall_record(traits, rt)
    assert dhall_eval(f"({literal} : (./{file}).Type)") == traits
    required = [t.name for t in rt.traits if not t.optional]
    if required:
        dropped = {k: v for k, v in traits.items() if k != required[0]}
        with pytest.raises(RatecardError, match="type error"):
            dhall_eval(f"({dhall_record(dropped, rt)} : (./{file}).Type)")


# ---------------------------------------------------------------- user-declared types


def _user_file(tmp_path: Path, body: str, name: str = "my-types.dhall") -> Path:
    path = tmp_path / name
    path.write_text(
        f"let Trait = {traits_dir() / 'Trait.dhall'}\n"
        f"let ResourceType = {traits_dir() / 'ResourceType.dhall'}\n"
        f"in {body}\n"
    )
    return path


BACKUP = """{ id = "acme.backup", platform = "Acme", displayName = "Backup",
  description = "Nightly backups",
  traits = [ Trait.required Trait.natural "storedGb" (Some "GBy") "Stored data"
           , Trait.optional Trait.listText "tags" Trait.noUnit "Labels" ] }"""


def test_user_types_list_file(tmp_path: Path) -> None:
    path = _user_file(tmp_path, f"[ {BACKUP} ] : List ResourceType.Type")
    (backup,) = load_resource_types(path)
    assert backup.id == "acme.backup"
    assert backup.traits == (
        Trait("storedGb", TraitType.NATURAL, False, "GBy", "Stored data"),
        Trait("tags", TraitType.LIST_TEXT, True, None, "Labels"),
    )
    assert json_schema(backup)["properties"]["tags"]["type"] == ["array", "null"]
    merged = merge_resource_types(builtin_resource_types(), (backup,), str(path))
    assert merged[-1] is backup and len(merged) == 14


def test_user_types_type_and_schema_file(tmp_path: Path) -> None:
    body = f"{{ Type = {{ storedGb : Natural, tags : Optional (List Text) }}, schema = {BACKUP} }}"
    path = _user_file(tmp_path, body, "backup with space.dhall")
    assert [rt.id for rt in load_resource_types(path)] == ["acme.backup"]


def test_user_type_errors(tmp_path: Path) -> None:
    bad = BACKUP.replace("Trait.natural", '"Decimal"')
    with pytest.raises(RatecardError, match=r"acme.backup.storedGb: unknown trait type 'Decimal'"):
        load_resource_types(_user_file(tmp_path, bad))
    server = builtin_resource_types()[6]
    with pytest.raises(RatecardError, match=r"'openstack\.nova\.server' is already defined"):
        merge_resource_types(builtin_resource_types(), (server,), "mine.dhall")
    with pytest.raises(RatecardError, match="no such file"):
        load_resource_types(tmp_path / "absent.dhall")
    with pytest.raises(RatecardError, match="parse error"):
        load_resource_types(_user_file(tmp_path, "{ broken = }"))
