"""A plugin whose import deletes the folder named in TEST_VANISHING_FOLDER.

`backoffice validate` builds its catalog, importing the plugins, after it found the files
and before it reads their folders: a folder that another program removes meanwhile is
removed there, at that moment, by this plugin.
"""

from __future__ import annotations

import os
import shutil

shutil.rmtree(os.environ["TEST_VANISHING_FOLDER"])
