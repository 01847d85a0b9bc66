import sys

from camdigit.cli import main

sys.exit(main())
