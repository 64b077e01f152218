import BpfmanCLI
import Glibc

exit(await BpfmanCommand.run())
