/// The part of CEL that `x-kubernetes-validations` rules in this project use:
/// `self.a.b`, `has(self.a)`, literals ('text', numbers, true, false, null),
/// `==`, `!=`, `<`, `<=`, `>`, `>=`, `!`, `&&`, `||`, `? :` and parentheses.
/// A rule outside that subset is reported as not evaluated, never guessed.
struct CELSubset {
    enum Token: Equatable { case ident(String), string(String), number(Double), op(String), end }

    struct Unsupported: Error { var why: String }

    private var tokens: [Token] = []
    private var i = 0
    private let root: JSON

    /// Evaluates `rule` against `value` (CEL's `self`); nil when the rule is outside the subset.
    static func evaluate(_ rule: String, self value: JSON) -> Bool? {
        guard var p = try? CELSubset(rule, root: value) else { return nil }
        guard let v = try? p.ternary(), p.tokens[p.i] == .end, case .bool(let b) = v else { return nil }
        return b
    }

    private init(_ text: String, root: JSON) throws {
        self.root = root
        tokens = try CELSubset.lex(text)
    }

    static func lex(_ s: String) throws -> [Token] {
        var out: [Token] = []
        let c = Array(s)
        var k = 0
        while k < c.count {
            let ch = c[k]
            if ch.isWhitespace { k += 1; continue }
            if ch.isLetter || ch == "_" {
                var w = ""
                while k < c.count, c[k].isLetter || c[k].isNumber || c[k] == "_" { w.append(c[k]); k += 1 }
                out.append(.ident(w))
                continue
            }
            if ch.isNumber {
                var w = ""
                while k < c.count, c[k].isNumber || c[k] == "." { w.append(c[k]); k += 1 }
                guard let d = Double(w) else { throw Unsupported(why: "number \(w)") }
                out.append(.number(d))
                continue
            }
            if ch == "'" || ch == "\"" {
                var w = ""
                k += 1
                while k < c.count, c[k] != ch { w.append(c[k]); k += 1 }
                guard k < c.count else { throw Unsupported(why: "unterminated string") }
                k += 1
                out.append(.string(w))
                continue
            }
            let two = k + 1 < c.count ? String(c[k...k + 1]) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) { out.append(.op(two)); k += 2; continue }
            if "!<>?:().".contains(ch) { out.append(.op(String(ch))); k += 1; continue }
            throw Unsupported(why: "character \(ch)")
        }
        out.append(.end)
        return out
    }

    private mutating func take(_ op: String) -> Bool {
        if tokens[i] == .op(op) { i += 1; return true }
        return false
    }

    mutating func ternary() throws -> JSON {
        let c = try or()
        guard take("?") else { return c }
        let a = try ternary()
        guard take(":") else { throw Unsupported(why: "expected ':'") }
        let b = try ternary()
        guard case .bool(let cond) = c else { throw Unsupported(why: "condition is not a bool") }
        return cond ? a : b
    }

    mutating func or() throws -> JSON {
        var l = try and()
        while take("||") {
            let r = try and()
            guard case .bool(let a) = l, case .bool(let b) = r else { throw Unsupported(why: "|| on non-bools") }
            l = .bool(a || b)
        }
        return l
    }

    mutating func and() throws -> JSON {
        var l = try comparison()
        while take("&&") {
            let r = try comparison()
            guard case .bool(let a) = l, case .bool(let b) = r else { throw Unsupported(why: "&& on non-bools") }
            l = .bool(a && b)
        }
        return l
    }

    mutating func comparison() throws -> JSON {
        let l = try unary()
        for op in ["==", "!=", "<=", ">=", "<", ">"] where take(op) {
            let r = try unary()
            switch op {
            case "==": return .bool(CELSubset.equal(l, r))
            case "!=": return .bool(!CELSubset.equal(l, r))
            default:
                guard let a = l.number, let b = r.number else { throw Unsupported(why: "\(op) on non-numbers") }
                switch op {
                case "<": return .bool(a < b)
                case "<=": return .bool(a <= b)
                case ">": return .bool(a > b)
                default: return .bool(a >= b)
                }
            }
        }
        return l
    }

    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        if let x = a.number, let y = b.number { return x == y }
        return a == b
    }

    mutating func unary() throws -> JSON {
        if take("!") {
            guard case .bool(let b) = try unary() else { throw Unsupported(why: "! on a non-bool") }
            return .bool(!b)
        }
        return try primary()
    }

    mutating func primary() throws -> JSON {
        let t = tokens[i]
        i += 1
        switch t {
        case .string(let s): return .string(s)
        case .number(let d): return d.rounded() == d ? .int(Int64(d)) : .double(d)
        case .op("("):
            let v = try ternary()
            guard take(")") else { throw Unsupported(why: "expected ')'") }
            return v
        case .ident("true"): return .bool(true)
        case .ident("false"): return .bool(false)
        case .ident("null"): return .null
        case .ident("has"):
            guard take("(") else { throw Unsupported(why: "has without (") }
            let present = try path() != nil
            guard take(")") else { throw Unsupported(why: "expected ')'") }
            return .bool(present)
        case .ident("self"):
            i -= 1
            guard let v = try path() else { throw Unsupported(why: "no such field") }
            return v
        default:
            throw Unsupported(why: "unsupported token \(t)")
        }
    }

    /// `self(.field)*`, nil when a field is absent.
    mutating func path() throws -> JSON? {
        guard tokens[i] == .ident("self") else { throw Unsupported(why: "expected self") }
        i += 1
        var cur: JSON? = root
        while take(".") {
            guard case .ident(let f) = tokens[i] else { throw Unsupported(why: "expected a field name") }
            i += 1
            cur = cur?[f]
        }
        return cur
    }
}
