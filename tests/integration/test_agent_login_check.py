"""The password check, run as the customer runs the agent: as their own login, with
no test prefix in front of sudo. Where sudo asks that login for a password, sudo
checks it; where sudo asks for none (a NOPASSWD rule), any password would pass sudo,
so it is checked against the login itself (PAM), and a wrong one is still refused.
With no password to prove, the password is never written to sudo either, whose
stdin would be the root command's."""

from __future__ import annotations

from pathlib import Path

from helpline.agent.credentials import CredentialError, Vault
from tests.support.as_user import check_as, readable_site  # noqa: F401 (a fixture)
from tests.support.local_user import (  # noqa: F401 (fixtures)
    LocalUser,
    local_user,
    nopasswd_user,
)


def test_the_customers_own_login_checks_their_password_with_sudo(
    local_user: LocalUser,  # noqa: F811
    readable_site: Path,  # noqa: F811
) -> None:
    wrong = check_as(local_user, local_user.password + "x", readable_site)
    assert wrong == {
        "kept": False,
        "said": f"That password is not right for {local_user.name}. Nothing was shared; try again.",
    }
    assert check_as(local_user, local_user.password, readable_site) == {"kept": True, "said": ""}


def test_a_login_sudo_asks_no_password_of_still_needs_the_right_one(
    nopasswd_user: LocalUser,  # noqa: F811
    readable_site: Path,  # noqa: F811
) -> None:
    wrong = check_as(nopasswd_user, "anything at all", readable_site)
    assert wrong["kept"] is False and "not right" in str(wrong["said"])
    right = check_as(nopasswd_user, nopasswd_user.password, readable_site)
    assert right == {"kept": True, "said": ""}


async def test_without_a_password_to_prove_none_reaches_the_root_command(
    nopasswd_user: LocalUser,  # noqa: F811
) -> None:
    vault = Vault(sudo=nopasswd_user.sudo())
    try:
        await vault.check(nopasswd_user.name, "not it")
        raise AssertionError("a wrong password was kept")
    except CredentialError as refused:
        assert "not right" in refused.message
    await vault.check(nopasswd_user.name, nopasswd_user.password)
    ran = await vault.run([str(nopasswd_user.stand_in), "restart", "cups.service"])
    assert ran.returncode == 0
    [run] = nopasswd_user.runs()
    assert run.startswith("0\n") and "argv=restart cups.service\n" in run
    assert "stdin=\n" in run  # nothing was written to the command
    assert nopasswd_user.password.encode() not in nopasswd_user.record.read_bytes()
