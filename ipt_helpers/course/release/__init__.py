"""Release: check item definitions, then derive key-free student versions (nbgrader steps)."""
