/// Who a request comes from, as the real server's authenticators report it:
/// a user name and groups. ServiceAccounts are
/// `system:serviceaccount:<namespace>:<name>` in `system:serviceaccounts`
/// and `system:serviceaccounts:<namespace>`.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String] = []) {
        self.name = name
        self.groups = groups.contains("system:authenticated") ? groups : groups + ["system:authenticated"]
    }

    /// The admin kubeconfig's user and anyone in `system:masters`: never checked.
    public var isSuperuser: Bool { name == UserInfo.adminName || groups.contains("system:masters") }

    public static let adminName = "kubesim-admin"
    public static let admin = UserInfo(name: adminName, groups: ["system:masters"])

    public static func serviceAccount(namespace: String, name: String) -> UserInfo {
        UserInfo(name: "system:serviceaccount:\(namespace):\(name)",
                 groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)"])
    }

    /// The namespace and name of a ServiceAccount user, or nil for any other user.
    public var serviceAccount: (namespace: String, name: String)? {
        let p = name.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 4, p[0] == "system", p[1] == "serviceaccount" else { return nil }
        return (String(p[2]), String(p[3]))
    }
}
