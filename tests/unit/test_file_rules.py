"""Files sent in a session, as the domain rules them: the names they are stored and
shown under, how large they may be, who accepts them, who may download them, and the
notes each side reads about them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain import files
from helpline.domain.drafting import seal
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, TooLarge
from helpline.domain.events import AudienceKind, Author, AuthorKind
from helpline.domain.files import (
    DEFAULT_MAX_FILE_BYTES,
    MAX_NAME_CHARS,
    FileAudience,
    FileState,
    SharedFile,
    check_download,
    check_size,
    file_audience_for,
    human_size,
    sanitize_name,
)
from helpline.domain.sessions import Attendee
from helpline.domain.text import UNSAFE
from helpline.domain.visibility import Viewer
from tests.support.domain import (
    CUSTOMER,
    T0,
    a_rep,
    as_events,
    attending,
    customer_reads,
    rep_reads,
)

BOB = a_rep(2, "Bob")
CAROL = a_rep(3, "Carol")
FROM_BOB = Author.representative(BOB.id, "Bob")
FROM_CUSTOMER = Author.customer(CUSTOMER)
CUSTOMER_VIEW = Viewer.customer()
BOB_VIEW = Viewer.representative(BOB.id)
CAROL_VIEW = Viewer.representative(CAROL.id)
KB = 1024


def a_file(
    sender: Author = FROM_BOB,
    audience: FileAudience = FileAudience.CUSTOMER,
    state: FileState = FileState.OFFERED,
) -> SharedFile:
    return SharedFile(
        1, 1, "report.pdf", 1536, "0" * 64, "application/pdf", audience, sender, T0, state
    )


def team(*, bob_masked: bool = False) -> list[Attendee]:
    return [attending(BOB, masked=bob_masked), attending(CAROL)]


# Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\dana\\report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ('a<b>c:"d|e?f*.txt', "a_b_c_d_e_f_.txt"),
        ("what??.txt", "what_.txt"),
        (" .profile. ", "profile"),
        ("e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"),
        ("inv\u202eexe.txt", "invexe.txt"),
    ],
)
def test_a_file_is_stored_under_its_last_name_without_folders_or_reserved_characters(
    sent: str, stored: str
) -> None:
    assert sanitize_name(sent) == stored


@pytest.mark.parametrize("sent", ["", "   ", "...", "/", "dir/", "\u202e\x00"])
def test_a_name_with_nothing_left_becomes_file(sent: str) -> None:
    assert sanitize_name(sent) == "file"


def test_a_long_name_keeps_its_extension_within_180_characters() -> None:
    assert MAX_NAME_CHARS == 180
    name = sanitize_name("x" * 300 + ".tar.gz")

    assert len(name) == 180 and name.endswith("x.gz")


def test_a_long_name_with_a_long_or_no_extension_is_cut_at_180_characters() -> None:
    assert sanitize_name("y" * 300) == "y" * 180
    assert sanitize_name("y" * 170 + "." + "z" * 20) == ("y" * 170 + "." + "z" * 20)[:180]


def test_a_long_name_cut_in_the_middle_does_not_end_in_a_space_or_dot() -> None:
    assert sanitize_name("a" * 179 + " " + "b" * 30) == "a" * 179
    assert sanitize_name("a" * 178 + ". " + "b" * 30) == "a" * 178


@given(st.text())
def test_a_cleaned_name_is_safe_to_store_show_and_put_in_a_header(name: str) -> None:
    clean = sanitize_name(name)

    assert 1 <= len(clean) <= MAX_NAME_CHARS
    assert UNSAFE.isdisjoint(clean)
    assert not set('/\\<>:"|?*') & set(clean)
    assert clean == clean.strip(" .")


@given(st.text())
def test_cleaning_a_cleaned_name_changes_nothing(name: str) -> None:
    clean = sanitize_name(name)
    assert sanitize_name(clean) == clean


# Sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (KB, "1.0 KB"),
        (1536, "1.5 KB"),
        (5 * KB**2, "5.0 MB"),
        (2 * KB**3, "2.0 GB"),
        (3 * KB**4, "3072.0 GB"),
    ],
)
def test_sizes_are_shown_in_the_largest_unit_up_to_gigabytes(size: int, shown: str) -> None:
    assert human_size(size) == shown


def test_a_file_may_be_as_large_as_the_limit() -> None:
    check_size(DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILE_BYTES)
    check_size(0, 10)


def test_a_larger_file_is_refused_with_both_sizes() -> None:
    with pytest.raises(TooLarge, match=r"^Files can be at most 10.0 MB; this one is 15.5 MB\.$"):
        check_size(int(15.5 * KB**2), 10 * KB**2)


def test_a_file_just_over_the_limit_is_told_by_how_much() -> None:
    just_over = DEFAULT_MAX_FILE_BYTES + 1
    with pytest.raises(TooLarge) as refused:
        check_size(just_over, DEFAULT_MAX_FILE_BYTES)
    assert refused.value.message == (
        "Files can be at most 2.0 GB; this one is 2,147,483,649 bytes, 1 more than the "
        "limit of 2,147,483,648."
    )


# Who a file is for --------------------------------------------------------------------------


@pytest.mark.parametrize("requested", [None, "customer", "representatives", "everyone"])
def test_a_customer_s_file_always_goes_to_the_representatives(requested: str | None) -> None:
    assert file_audience_for(True, requested) is FileAudience.REPRESENTATIVES


def test_a_representative_sends_to_the_customer_unless_they_choose_the_team() -> None:
    assert file_audience_for(False, None) is FileAudience.CUSTOMER
    assert file_audience_for(False, "") is FileAudience.CUSTOMER
    assert file_audience_for(False, "representatives") is FileAudience.REPRESENTATIVES


def test_a_representative_cannot_send_a_file_to_anyone_else() -> None:
    with pytest.raises(InvalidInput, match=r"^A file goes to 'customer' or 'representatives'\.$"):
        file_audience_for(False, "everyone")


def test_the_customer_answers_a_file_sent_to_them() -> None:
    file = a_file()
    assert file.recipient_is(CUSTOMER_VIEW)
    assert not file.recipient_is(BOB_VIEW) and not file.recipient_is(CAROL_VIEW)


def test_any_representative_answers_a_file_from_the_customer() -> None:
    file = a_file(FROM_CUSTOMER, FileAudience.REPRESENTATIVES)
    assert file.from_customer
    assert file.recipient_is(BOB_VIEW) and file.recipient_is(CAROL_VIEW)
    assert not file.recipient_is(CUSTOMER_VIEW)


def test_a_file_for_the_team_is_answered_by_the_other_representatives() -> None:
    file = a_file(audience=FileAudience.REPRESENTATIVES)
    assert file.recipient_is(CAROL_VIEW)
    assert not file.recipient_is(BOB_VIEW) and not file.recipient_is(CUSTOMER_VIEW)


# Offering and answering ---------------------------------------------------------------------


def test_everyone_reads_that_a_file_was_offered_to_the_customer() -> None:
    events = as_events([seal(files.offered_note(a_file()), team())])

    assert customer_reads(events) == ["Bob offered the file report.pdf (1.5 KB)."]
    assert events[0].body["action"] == "file_offered"
    assert events[0].body["audience"] == "customer"


def test_the_customer_reads_a_masked_sender_as_a_representative() -> None:
    events = as_events([seal(files.offered_note(a_file()), team(bob_masked=True))])

    assert customer_reads(events) == ["A representative offered the file report.pdf (1.5 KB)."]
    assert rep_reads(CAROL.id, events) == ["Bob offered the file report.pdf (1.5 KB)."]


def test_a_file_for_the_team_is_never_mentioned_to_the_customer() -> None:
    note = seal(files.offered_note(a_file(audience=FileAudience.REPRESENTATIVES)), team())

    assert note.audience.kind is AudienceKind.REPRESENTATIVES
    assert customer_reads(as_events([note])) == []


def test_accepting_a_file_records_who_and_tells_everyone() -> None:
    answered, draft = files.answer(a_file(), CUSTOMER_VIEW, FROM_CUSTOMER, True)

    assert answered.state is FileState.ACCEPTED and answered.answered_by == CUSTOMER
    assert draft.author.kind is AuthorKind.SYSTEM
    events = as_events([seal(draft, team())])
    assert customer_reads(events) == ["Dana accepted the file report.pdf (1.5 KB)."]
    assert events[0].body["action"] == "file_accepted"


def test_declining_a_file_records_it_too() -> None:
    answered, draft = files.answer(a_file(), CUSTOMER_VIEW, FROM_CUSTOMER, False)

    assert answered.state is FileState.DECLINED
    assert customer_reads(as_events([seal(draft, team())])) == [
        "Dana declined the file report.pdf (1.5 KB)."
    ]


def test_a_masked_representative_answering_the_customer_s_file_is_a_representative() -> None:
    file = a_file(FROM_CUSTOMER, FileAudience.REPRESENTATIVES)
    _, draft = files.answer(file, BOB_VIEW, FROM_BOB, True)

    events = as_events([seal(draft, team(bob_masked=True))])

    assert customer_reads(events) == ["A representative accepted the file report.pdf (1.5 KB)."]


def test_only_the_recipient_answers_a_file() -> None:
    with pytest.raises(Forbidden, match=r"^Only the recipient can accept or decline this file\.$"):
        files.answer(a_file(), BOB_VIEW, FROM_BOB, True)


@pytest.mark.parametrize("state", [FileState.ACCEPTED, FileState.DECLINED])
def test_a_file_is_answered_once(state: FileState) -> None:
    with pytest.raises(Conflict, match=rf"^The file report.pdf was already {state.value}\.$"):
        files.answer(a_file(state=state), CUSTOMER_VIEW, FROM_CUSTOMER, True)


def test_a_received_file_is_reported_once_however_often_the_report_comes() -> None:
    note = files.completed_note(a_file(state=FileState.ACCEPTED), FROM_CUSTOMER)

    assert note.client_id == "file-1-completed"
    assert note.body["action"] == "file_completed"
    assert customer_reads(as_events([seal(note, team())])) == [
        "Dana received the file report.pdf (1.5 KB)."
    ]


# Downloads -----------------------------------------------------------------------------------


def test_the_recipient_downloads_a_file_once_they_accepted_it() -> None:
    with pytest.raises(Conflict, match=r"^Accept the file report.pdf before downloading it\.$"):
        check_download(a_file(), CUSTOMER_VIEW)
    check_download(a_file(state=FileState.ACCEPTED), CUSTOMER_VIEW)


def test_the_sender_may_download_what_they_offered_before_it_is_answered() -> None:
    check_download(a_file(), BOB_VIEW)


@pytest.mark.parametrize("viewer", [CUSTOMER_VIEW, BOB_VIEW, CAROL_VIEW])
def test_nobody_downloads_a_declined_file(viewer: Viewer) -> None:
    with pytest.raises(Forbidden, match=r"^The file report.pdf was declined\.$"):
        check_download(a_file(state=FileState.DECLINED), viewer)
