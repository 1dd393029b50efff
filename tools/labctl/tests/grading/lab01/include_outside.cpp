// Grading fixture — HOSTILE: pulls the reference solution in at compile time, by an
// absolute path (the include policy refuses it before the compiler runs).
#include "/tmp/racelab-grade-test-secret/lost_update.cpp"
