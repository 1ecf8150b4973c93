"""Class lists as Canvas and Moodle export them, shared by the roster and collect tests."""

# Canvas's gradebook export (Gradebook > Export): Student is the sortable name, ID the Canvas
# user id; the first row is "Points Possible"; the course's test student is "Student, Test".
CANVAS_CSV = (
    "Student,ID,SIS User ID,SIS Login ID,Section,PS1 Problem areas (5001),Current Score,"
    "Final Score\n"
    "    Points Possible,,,,,10,(read only),(read only)\n"
    '"Smith, John",12345,S001,jsmith@uni.example,IPT 101,,,\n'
    '"García Márquez, José",12346,S002,jgarcia@uni.example,IPT 101,,,\n'
    '"O\'Brien, Seán",12347,S003,sobrien,IPT 101,,,\n'
    '"Student, Test",99999,,,IPT 101,,,\n')

# Moodle's participants page, "Download table data as" CSV (UTF-8 with a byte-order mark)
MOODLE_CSV = (
    "\ufeffFirst name,Last name,Email address,Roles,Groups,Last access to course\n"
    "John,Smith,john.smith@uni.example,Student,No groups,2 days\n"
    "José,García Márquez,jose.garcia@uni.example,Student,No groups,1 day\n"
    "Seán,O'Brien,sean.obrien@uni.example,Student,No groups,Never\n"
    "Ada,Lovelace,ada@uni.example,Teacher,No groups,now\n")
