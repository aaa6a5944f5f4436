//! Replies as real mail clients write them.

use super::strip_quoted;

#[test]
fn gmail_attribution_on_one_line() {
    let text = "Yes, Tuesday works.\r\n\r\nOn Mon, 2 Mar 2026 at 10:00, Ann Lee <ann@example.com> wrote:\r\n> Does Tuesday work?\r\n> Ann\r\n";
    assert_eq!(strip_quoted(text), "Yes, Tuesday works.");
}

#[test]
fn attribution_wrapped_over_two_lines() {
    let text = "Sounds good\n\nOn Mon, Mar 2, 2026 at 10:00 AM Ann Lee <\nann@example.com> wrote:\n\n> Shall we meet?\n";
    assert_eq!(strip_quoted(text), "Sounds good");
}

#[test]
fn other_languages() {
    for attribution in [
        "Am 02.03.2026 um 10:00 schrieb Ann Lee <ann@example.com>:",
        "Le lun. 2 mars 2026 à 10:00, Ann Lee <ann@example.com> a écrit :",
        "El lun, 2 mar 2026 a las 10:00, Ann Lee (<ann@example.com>) escribió:",
        "Op ma 2 mrt 2026 om 10:00 schreef Ann Lee <ann@example.com>:",
    ] {
        let text = format!("Danke!\n\n{attribution}\n> Frage\n");
        assert_eq!(strip_quoted(&text), "Danke!", "{attribution}");
    }
}

#[test]
fn outlook_original_message_and_header_block() {
    let original = "Thanks, received.\n\n-----Original Message-----\nFrom: Ann Lee\nSent: Monday\nSubject: Invoice\n\nPlease find attached.";
    assert_eq!(strip_quoted(original), "Thanks, received.");

    let block = "Will do.\n\nFrom: Ann Lee <ann@example.com>\nSent: Monday, March 2, 2026 10:00 AM\nTo: Bob <bob@example.com>\nSubject: Invoice\n\nPlease pay.";
    assert_eq!(strip_quoted(block), "Will do.");

    let separator = "Ok\n\n________________________________\nFrom: Ann Lee <ann@example.com>\nSent: Monday\nTo: Bob\n";
    assert_eq!(strip_quoted(separator), "Ok");
}

#[test]
fn signatures() {
    assert_eq!(
        strip_quoted("Fine by me.\n-- \nBob Smith\nACME Corp"),
        "Fine by me."
    );
    assert_eq!(strip_quoted("Fine by me.\n--\nBob"), "Fine by me.");
    assert_eq!(
        strip_quoted("On my way\n\nSent from my iPhone\n\n> earlier"),
        "On my way"
    );
    assert_eq!(strip_quoted("Ok\nGet Outlook for Android"), "Ok");
}

#[test]
fn interleaved_quotes_keep_the_answers() {
    let text = "> Tuesday?\nYes.\n> Ten o'clock?\nBetter eleven.\n";
    assert_eq!(strip_quoted(text), "Yes.\nBetter eleven.");
}

#[test]
fn keeps_what_only_looks_like_a_quote() {
    let text = "Here is what Ann wrote:\nthe offer stands.\n\nFrom: the desk of Bob -- really.";
    assert_eq!(strip_quoted(text), text);
    assert_eq!(strip_quoted("a -- b\n--- c"), "a -- b\n--- c");
}

#[test]
fn an_all_quote_reply_is_kept_whole() {
    let text = "> only the quote\n> nothing else\n";
    assert_eq!(strip_quoted(text), "> only the quote\n> nothing else");
    assert_eq!(strip_quoted("  \n\n"), "");
}
