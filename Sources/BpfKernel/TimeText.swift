import FoundationEssentials
import Glibc

/// Times as bpfman writes them, formatted with the C library: whole-second
/// ISO 8601 in UTC (`2026-12-07T20:10:32Z`, what JSONEncoder's `.iso8601`
/// writes) for records and JSON output, and upstream's local-time form for
/// tables. Foundation's formatters set up a Calendar, a TimeZone and ICU the
/// first time, which cost each CLI run about a millisecond of CPU.
public enum TimeText {
    /// `YYYY-MM-DDTHH:MM:SSZ`, the second rounded down.
    public static func utc(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        guard gmtime_r(&seconds, &t) != nil else { return "\(date)" }
        return format(t, "%Y-%m-%dT%H:%M:%SZ")
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS` followed by `Z` or an offset `±HH:MM`
    /// (fractions of a second are accepted and dropped); nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var n = 0
            for c in b[at..<at + count] {
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            guard i > start else { return nil }
        }
        var offset = 0
        if i == b.count - 1, b[i] == UInt8(ascii: "Z") {
        } else if i == b.count - 6, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: ":"),
                  let oh = number(i + 1, 2), let om = number(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        var t = tm()
        t.tm_year = Int32(year - 1900)
        t.tm_mon = Int32(month - 1)
        t.tm_mday = Int32(day)
        t.tm_hour = Int32(hour)
        t.tm_min = Int32(minute)
        t.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t) - offset))
    }

    /// Local time as upstream prints a load time: `%Y-%m-%dT%H:%M:%S%z`.
    public static func local(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        guard localtime_r(&seconds, &t) != nil else { return utc(date) }
        return format(t, "%Y-%m-%dT%H:%M:%S%z")
    }

    private static func format(_ t: tm, _ pattern: String) -> String {
        var t = t
        var text = [CChar](repeating: 0, count: 64)
        guard strftime(&text, text.count, pattern, &t) > 0 else { return "" }
        return String(cString: text)
    }
}

extension JSONEncoder.DateEncodingStrategy {
    /// `.iso8601`'s text, written by `TimeText.utc`.
    public static var isoSeconds: Self {
        .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(TimeText.utc(date))
        }
    }
}

extension JSONDecoder.DateDecodingStrategy {
    /// `.iso8601`'s text (and offsets, and fractions), read by `TimeText.parse`.
    public static var isoSeconds: Self {
        .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = TimeText.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(text)\" is not an ISO 8601 time")
            }
            return date
        }
    }
}
