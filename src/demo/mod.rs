//! Classroom demos.
