import Foundation
import KubeClient

/// Makes a pod's volumes on the node before its sandbox starts: hostPath
/// checked or created as its type says, emptyDir made, ConfigMap and
/// downward-API files written; a CSI volume is refused (no CSI client yet).
struct VolumeMaker {
    let ports: PodSyncer.Ports

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func make(_ plan: PodRunPlan, pod: LocalPod, node: NodeFacts) async throws {
        let fm = FileManager.default
        for v in plan.volumes {
            switch v.source {
            case .hostPath(let type):
                var isDir: ObjCBool = false
                let exists = fm.fileExists(atPath: v.hostPath, isDirectory: &isDir)
                switch type ?? "" {
                case "DirectoryOrCreate": if !exists { try fm.createDirectory(atPath: v.hostPath, withIntermediateDirectories: true) }
                case "FileOrCreate": if !exists { fm.createFile(atPath: v.hostPath, contents: nil) }
                case "Directory": guard exists && isDir.boolValue else { throw Failure(description: "volume \"\(v.name)\": hostPath \(v.hostPath) is not a directory") }
                case "File", "Socket", "CharDevice", "BlockDevice":
                    guard exists else { throw Failure(description: "volume \"\(v.name)\": hostPath \(v.hostPath) does not exist") }
                default: break
                }
            case .emptyDir:
                try fm.createDirectory(atPath: v.hostPath, withIntermediateDirectories: true)
            case .configMap(let name, let items, let optional):
                guard let data = try await ports.configMap(pod.metadata.namespace ?? "default", name) else {
                    if optional { try fm.createDirectory(atPath: v.hostPath, withIntermediateDirectories: true); continue }
                    throw Failure(description: "volume \"\(v.name)\": configmap \"\(name)\" not found")
                }
                let files = items.map { $0.map { ($0.path, data[$0.key]) } } ?? data.map { ($0.key, Optional($0.value)) }
                try write(files.map { path, value in
                    guard let value else { return (path, nil) }
                    return (path, value)
                }, into: v.hostPath, volume: v.name)
            case .downwardAPI(let items):
                let facts = DownwardAPI(pod: pod, node: node, podIP: "")
                try write(items.map { ($0.path, $0.fieldRef.flatMap { facts.value($0.fieldPath) }) }, into: v.hostPath, volume: v.name)
            case .csi(let driver):
                // No CSI client here yet: the pod waits, saying so.
                throw Failure(description: "volume \"\(v.name)\": no CSI node plugin \(driver) on this node")
            }
        }
    }

    private func write(_ files: [(String, String?)], into dir: String, volume: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (path, value) in files {
            guard let value else { throw Failure(description: "volume \"\(volume)\": no value for \(path)") }
            guard !path.split(separator: "/").contains("..") else { throw Failure(description: "volume \"\(volume)\": path \(path) leaves the volume") }
            let target = dir + "/" + path
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try value.write(toFile: target, atomically: true, encoding: .utf8)
        }
    }
}
