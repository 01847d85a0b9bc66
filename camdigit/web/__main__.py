import sys

from camdigit.web.serve import main

sys.exit(main())
