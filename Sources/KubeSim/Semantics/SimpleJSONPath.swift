import Foundation

/// The JSONPath subset printer columns use: `.a.b`, `[N]`, and
/// `[?(@.key=="value")]` filters. Anything else yields no value.
struct SimpleJSONPath {
    enum Step { case key(String), index(Int), filter(String, String) }
    let steps: [Step]

    init(_ path: String) {
        var steps: [Step] = []
        var s = Substring(path.hasPrefix("{") && path.hasSuffix("}") ? String(path.dropFirst().dropLast()) : path)
        while !s.isEmpty {
            if s.hasPrefix(".") {
                s = s.dropFirst()
                let end = s.firstIndex { $0 == "." || $0 == "[" } ?? s.endIndex
                if s.startIndex != end { steps.append(.key(String(s[..<end]))) }
                s = s[end...]
            } else if s.hasPrefix("[") {
                guard let close = s.firstIndex(of: "]") else { break }
                let inner = s[s.index(after: s.startIndex)..<close]
                if inner.hasPrefix("?(@."), inner.hasSuffix(")"), let eq = inner.range(of: "==") {
                    let key = String(inner[inner.index(inner.startIndex, offsetBy: 4)..<eq.lowerBound])
                    var val = String(inner[eq.upperBound..<inner.index(before: inner.endIndex)])
                    val = val.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                    steps.append(.filter(key, val))
                } else if let i = Int(inner) {
                    steps.append(.index(i))
                } else {
                    steps.append(.key(inner.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))))
                }
                s = s[s.index(after: close)...]
            } else {
                let end = s.firstIndex { $0 == "." || $0 == "[" } ?? s.endIndex
                steps.append(.key(String(s[..<end])))
                s = s[end...]
            }
        }
        self.steps = steps
    }

    func evaluate(_ root: JSON) -> JSON? {
        var cur: JSON? = root
        for step in steps {
            switch step {
            case .key(let k): cur = cur?[k]
            case .index(let i):
                guard let a = cur?.array else { return nil }
                let idx = i < 0 ? a.count + i : i
                cur = idx >= 0 && idx < a.count ? a[idx] : nil
            case .filter(let k, let v):
                cur = cur?.array?.first { e in
                    if let s = e[k]?.string { return s == v }
                    return e[k]?.text == v
                }
            }
        }
        return cur
    }
}
