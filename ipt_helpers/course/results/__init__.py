"""Results: each student's state per assignment, key-free feedback pages, and grade exports."""
