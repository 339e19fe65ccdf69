//! Check cells for the training course: [`check`] compares a trainee's answer with the
//! planted intrusion of the sample lab dataset (`data::sample::story`) and says
//! "correct" or "not yet" — never the answer itself.
//!
//! ```
//! use nbtools::course::{Verdict, check_answer};
//!
//! assert_eq!(check_answer("c2_ip", "").unwrap(), Verdict::Empty);
//! assert_eq!(check_answer("c2_ip", "10.0.0.1").unwrap(), Verdict::Wrong);
//! assert!(check_answer("no_such_question", "x").is_err());
//! ```

use data::sample::{PlantedStory, SampleOptions, story};

use crate::{MimeBundle, display};

/// One question of the course: its id, what it asks, how to read the answer, and a
/// hint for a wrong answer.
struct Question {
    id: &'static str,
    asks: &'static str,
    answer: fn(&PlantedStory) -> Vec<String>,
    compare: Compare,
    hint: &'static str,
}

#[derive(Clone, Copy)]
enum Compare {
    /// Case-insensitive, surrounding whitespace and quotes ignored.
    Text,
    /// A host name: the short name or the FQDN, case-insensitive.
    Host,
    /// A whole number; `,`, `_` and spaces between digits are ignored.
    Number,
}

const QUESTIONS: &[Question] = &[
    Question {
        id: "phished_account",
        asks: "the account that opened the phishing attachment (sAMAccountName)",
        answer: |s| vec![s.phished_account.clone(), s.phished_upn.clone()],
        compare: Compare::Text,
        hint: "look for WINWORD.EXE started by OUTLOOK.EXE, and who ran it",
    },
    Question {
        id: "patient_zero",
        asks: "the first host the attacker controlled",
        answer: |s| vec![s.patient_zero_host.clone()],
        compare: Compare::Host,
        hint: "the alerts' CompromisedEntity and the PowerShell alert point to it",
    },
    Question {
        id: "c2_domain",
        asks: "the command-and-control domain",
        answer: |s| vec![s.c2_domain.clone()],
        compare: Compare::Text,
        hint: "decode the encoded PowerShell command line",
    },
    Question {
        id: "c2_ip",
        asks: "the command-and-control IP address",
        answer: |s| vec![s.c2_ip.clone()],
        compare: Compare::Text,
        hint: "resolve the C2 domain in DnsEvents, or follow powershell.exe's connections",
    },
    Question {
        id: "compromised_account",
        asks: "the stolen admin account used to move laterally (sAMAccountName)",
        answer: |s| vec![s.compromised_account.clone(), s.compromised_upn.clone()],
        compare: Compare::Text,
        hint: "logon failures then a success on the file server, right after the LSASS dump",
    },
    Question {
        id: "lateral_target",
        asks: "the host the attacker moved to with the stolen account",
        answer: |s| vec![s.lateral_target_host.clone()],
        compare: Compare::Host,
        hint: "4624 logons of the stolen account from patient zero's IP",
    },
    Question {
        id: "linux_host",
        asks: "the Linux host where persistence was planted",
        answer: |s| vec![s.linux_host.clone()],
        compare: Compare::Host,
        hint: "ssh.exe on patient zero, then sshd logons on a Linux host",
    },
    Question {
        id: "persistence_command",
        asks: "the cron entry the attacker added (the schedule and the command)",
        answer: |s| vec![s.cron_entry.clone()],
        compare: Compare::Text,
        hint: "auditd hex-encodes the EXECVE arguments: parse LinuxAudit with the auditd parser",
    },
    Question {
        id: "attacker_ip",
        asks: "the IP address the attacker signed in to the cloud from",
        answer: |s| vec![s.attacker_ip.clone()],
        compare: Compare::Text,
        hint: "SigninLogs of the stolen admin's UPN from an unusual country",
    },
    Question {
        id: "exfil_ip",
        asks: "the IP address the data was exfiltrated to",
        answer: |s| vec![s.exfil_ip.clone()],
        compare: Compare::Text,
        hint: "it is in no threat feed: rank outbound flows by bytes sent",
    },
    Question {
        id: "exfil_bytes",
        asks: "how many bytes were exfiltrated",
        answer: |s| vec![s.exfil_bytes.to_string()],
        compare: Compare::Number,
        hint: "the firewall's SentBytes of the one flow to the exfiltration address",
    },
];

/// What [`check_answer`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The answer is right.
    Correct,
    /// The answer is wrong.
    Wrong,
    /// No answer yet.
    Empty,
}

/// The ids of the course's questions, in course order.
pub fn questions() -> Vec<&'static str> {
    QUESTIONS.iter().map(|q| q.id).collect()
}

fn normalise(text: &str, compare: Compare) -> String {
    let trimmed = text
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim();
    match compare {
        Compare::Text => trimmed.to_lowercase(),
        Compare::Host => trimmed.split('.').next().unwrap_or_default().to_lowercase(),
        Compare::Number => trimmed
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' '))
            .collect(),
    }
}

/// Checks `answer` for question `id` without revealing the right one.
///
/// # Errors
/// An unknown question id, naming the known ones.
pub fn check_answer(id: &str, answer: &str) -> Result<Verdict, String> {
    let question = QUESTIONS.iter().find(|q| q.id == id).ok_or_else(|| {
        format!(
            "no question `{id}`; the course's questions are: {}",
            questions().join(", ")
        )
    })?;
    if answer.trim().is_empty() {
        return Ok(Verdict::Empty);
    }
    let truth = story(&SampleOptions::default());
    let given = normalise(answer, question.compare);
    let right = (question.answer)(&truth)
        .iter()
        .any(|a| normalise(a, question.compare) == given);
    Ok(if right {
        Verdict::Correct
    } else {
        Verdict::Wrong
    })
}

/// A check cell: shows whether `answer` to question `id` is right ("not yet" with a
/// hint when it is wrong or empty) and returns the verdict. Never panics: an unknown
/// id is shown as a message.
pub fn check(id: &str, answer: impl std::fmt::Display) -> Verdict {
    let (verdict, text) = match check_answer(id, &answer.to_string()) {
        Err(message) => (Verdict::Wrong, format!("⚠ {message}")),
        Ok(verdict) => {
            let question = QUESTIONS.iter().find(|q| q.id == id);
            let asks = question.map_or("", |q| q.asks);
            let hint = question.map_or("", |q| q.hint);
            let text = match verdict {
                Verdict::Correct => format!("✅ Correct: {asks}."),
                Verdict::Empty => format!("⏳ Not yet: write your answer for {asks} above."),
                Verdict::Wrong => format!("⏳ Not yet: that is not {asks}. Hint: {hint}."),
            };
            (verdict, text)
        }
    };
    let colour = if verdict == Verdict::Correct {
        "#1a7f37"
    } else {
        "#9a6700"
    };
    display(&MimeBundle::text(text.clone()).with_html(format!(
        "<div class=\"huntrs-check\" style=\"color:{colour};font-weight:600\">{}</div>",
        crate::escape_html(&text)
    )));
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_accepts_its_answer_in_any_case() {
        let truth = story(&SampleOptions::default());
        for question in QUESTIONS {
            let answer = (question.answer)(&truth).remove(0);
            assert_eq!(
                check_answer(question.id, &answer.to_uppercase()),
                Ok(Verdict::Correct),
                "{}",
                question.id
            );
            assert_eq!(check_answer(question.id, "  "), Ok(Verdict::Empty));
            assert_eq!(
                check_answer(question.id, "definitely-not-it"),
                Ok(Verdict::Wrong)
            );
        }
    }

    #[test]
    fn hosts_and_numbers_are_compared_leniently() {
        let truth = story(&SampleOptions::default());
        let fqdn = format!("{}.corp.example", truth.lateral_target_host.to_lowercase());
        assert_eq!(check_answer("lateral_target", &fqdn), Ok(Verdict::Correct));
        let bytes = truth.exfil_bytes.to_string();
        let spaced: String = bytes
            .chars()
            .rev()
            .enumerate()
            .flat_map(|(i, c)| (i > 0 && i % 3 == 0).then_some(',').into_iter().chain([c]))
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        assert_eq!(check_answer("exfil_bytes", &spaced), Ok(Verdict::Correct));
        // A number need not be turned into text first.
        assert_eq!(check("exfil_bytes", truth.exfil_bytes), Verdict::Correct);
        assert_eq!(check("exfil_bytes", truth.exfil_bytes + 1), Verdict::Wrong);
    }
}
