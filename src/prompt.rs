//! Asking the user, on a terminal only. Every prompt has a flag that answers it, and a session
//! without a terminal never blocks on one.

use std::collections::VecDeque;
use std::io;

/// Something that asks questions.
pub trait Prompter {
    /// A line of text; an empty answer takes `default` when there is one.
    fn input(&mut self, prompt: &str, default: Option<&str>) -> io::Result<String>;
    /// A hidden answer typed twice. An empty answer is returned as is when `allow_empty`.
    fn secret(&mut self, prompt: &str, allow_empty: bool) -> io::Result<String>;
}

/// Prompts on the terminal with dialoguer.
pub struct Terminal;

impl Prompter for Terminal {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> io::Result<String> {
        let mut input = dialoguer::Input::<String>::new().with_prompt(prompt);
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        input.interact_text().map_err(dialoguer_error)
    }

    fn secret(&mut self, prompt: &str, allow_empty: bool) -> io::Result<String> {
        dialoguer::Password::new()
            .with_prompt(prompt)
            .with_confirmation("Repeat it", "The two entries differ; try again")
            .allow_empty_password(allow_empty)
            .interact()
            .map_err(dialoguer_error)
    }
}

fn dialoguer_error(e: dialoguer::Error) -> io::Error {
    match e {
        dialoguer::Error::IO(e) => e,
    }
}

/// Answers from a list (tests).
pub struct Scripted {
    answers: VecDeque<String>,
    /// The prompts seen, in order.
    pub asked: Vec<String>,
}

impl Scripted {
    pub fn new(answers: &[&str]) -> Self {
        Scripted {
            answers: answers.iter().map(|s| s.to_string()).collect(),
            asked: Vec::new(),
        }
    }

    fn next(&mut self, prompt: &str) -> io::Result<String> {
        self.asked.push(prompt.to_string());
        self.answers
            .pop_front()
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no scripted answer left"))
    }
}

impl Prompter for Scripted {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> io::Result<String> {
        let answer = self.next(prompt)?;
        Ok(match default {
            Some(d) if answer.is_empty() => d.to_string(),
            _ => answer,
        })
    }

    fn secret(&mut self, prompt: &str, _allow_empty: bool) -> io::Result<String> {
        self.next(prompt)
    }
}
