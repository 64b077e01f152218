import BpfmanImageCLI
import Glibc

exit(BpfmanImageCLI.run())
