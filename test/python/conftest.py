import os
import sys

# The tmix Python package lives in the repository's python/ folder.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
