"""The local provider's demo staff: someone to sign in as for every role of every city."""

from __future__ import annotations

from kyoso.local_idp import demo_staff
from services.routing.directory import directory
from shared.municipalities import municipalities


def test_every_city_has_its_desk_each_department_its_council_and_an_auditor() -> None:
    people = demo_staff(lambda login: "pw")
    assert people[0].login == "nagasaki-desk"  # printed first by `kyoso up`
    for code in municipalities():
        roles = {(p.role, p.department) for p in people if p.municipality == code}
        expected = {("desk", None), ("council", None), ("auditor", None)} | {
            ("department", d.code) for d in directory(code).departments
        }
        assert roles == expected, code
    assert len({p.login for p in people}) == len(people)
    assert all(p.name for p in people)


def test_passwords_differ_unless_a_test_chooses_them() -> None:
    passwords = [p.password for p in demo_staff()]
    assert len(set(passwords)) == len(passwords) and min(map(len, passwords)) >= 16
