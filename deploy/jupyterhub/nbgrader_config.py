"""nbgrader's configuration for every user of the hub (installed as
/etc/jupyter/nbgrader_config.py): the course and the exchange students fetch from and submit
to. The course's own settings (preprocessors, feedback, grading) live in the course folder's
nbgrader_config.py (``ipt-course init``); this file only joins users to it."""

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "ipt-curriculum"
# The exchange: one folder all users can write to, mode 1777 (nbgrader's own instructions)
c.Exchange.root = "/srv/nbgrader/exchange"
