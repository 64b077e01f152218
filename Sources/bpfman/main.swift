import BpfmanCLI
import Glibc

exit(BpfmanCommand.run())
