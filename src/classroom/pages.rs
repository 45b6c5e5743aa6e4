//! The pages a class serves, embedded in the binary: plain HTML, CSS and JavaScript, no
//! build step, no framework, nothing fetched from anywhere but the class's own server
//! (the Content-Security-Policy says so to the browser). Every value from the server or
//! another student is placed with `textContent`, never parsed as markup; the one
//! exception is the matrix, which the server renders with every name escaped.

/// The student's page: join, chat, see who can read each message.
pub const STUDENT: &str = include_str!("pages/student.html");
/// The teacher's page: the class, the refusals, the matrix, the leak button.
pub const TEACHER: &str = include_str!("pages/teacher.html");
/// What the room sees: the matrix, then every message opened with the leaked key.
pub const PROJECTOR: &str = include_str!("pages/projector.html");

/// The scripts and the style sheet, by file name: (content type, text).
pub fn asset(name: &str) -> Option<(&'static str, &'static str)> {
    const JS: &str = "text/javascript; charset=utf-8";
    Some(match name {
        "common.js" => (JS, include_str!("pages/common.js")),
        "student.js" => (JS, include_str!("pages/student.js")),
        "teacher.js" => (JS, include_str!("pages/teacher.js")),
        "projector.js" => (JS, include_str!("pages/projector.js")),
        "style.css" => ("text/css; charset=utf-8", include_str!("pages/style.css")),
        _ => return None,
    })
}
