// lianjied: the Lianjie server. All of it lives in LianjieDaemon.
import LianjieDaemon

Daemon.main(Array(CommandLine.arguments.dropFirst()))
