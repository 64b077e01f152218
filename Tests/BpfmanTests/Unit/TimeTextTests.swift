import BpfKernel
import Foundation
import Testing

/// bpfman's times formatted with the C library write and read what
/// Foundation's formatters did: records and JSON output stay readable both ways.
@Suite struct TimeTextTests {
    static let dates: [Date] = [0, 951_782_400, 1_709_164_799, 1_796_674_232, 1_798_761_599, 4_102_444_800].map {
        Date(timeIntervalSince1970: TimeInterval($0))
    }

    struct Stamp: Codable, Equatable { var at: Date }

    @Test("UTC text: what JSONEncoder's .iso8601 writes, read back by either decoder")
    func utcMatchesFoundation() throws {
        let foundation = JSONEncoder()
        foundation.dateEncodingStrategy = .iso8601
        let ours = JSONEncoder()
        ours.dateEncodingStrategy = .isoSeconds
        let foundationDecoder = JSONDecoder()
        foundationDecoder.dateDecodingStrategy = .iso8601
        let ourDecoder = JSONDecoder()
        ourDecoder.dateDecodingStrategy = .isoSeconds
        for d in Self.dates {
            let stamp = Stamp(at: d)
            let a = try foundation.encode(stamp), b = try ours.encode(stamp)
            #expect(a == b, "\(String(decoding: a, as: UTF8.self)) vs \(String(decoding: b, as: UTF8.self))")
            #expect(try ourDecoder.decode(Stamp.self, from: a) == stamp)
            #expect(try foundationDecoder.decode(Stamp.self, from: b) == stamp)
        }
        // A fraction of a second is dropped, as .iso8601 writes whole seconds.
        #expect(TimeText.utc(Date(timeIntervalSince1970: 1_796_674_232.75)) == "2026-12-07T20:10:32Z")
    }

    @Test("parse: Z or an offset, fractions dropped; anything else is nil")
    func parse() {
        let at = Date(timeIntervalSince1970: 1_796_674_232)
        #expect(TimeText.parse("2026-12-07T20:10:32Z") == at)
        #expect(TimeText.parse("2026-12-07T21:10:32+01:00") == at)
        #expect(TimeText.parse("2026-12-07T15:40:32-04:30") == at)
        #expect(TimeText.parse("2026-12-07T20:10:32.123Z") == at)
        for bad in ["", "2026-12-07", "2026-12-07 20:10:32Z", "2026-13-07T20:10:32Z", "2026-12-07T24:10:32Z", "2026-12-07T20:10:32",
                    "2026-12-07T20:10:32+0100", "2026-12-07T20:10:32.Z", "2026-12-07T20:10:32Zjunk", "x026-12-07T20:10:32Z"] {
            #expect(TimeText.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("local text: what the DateFormatter upstream's format came from printed")
    func localMatchesFoundation() {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        for d in Self.dates { #expect(TimeText.local(d) == f.string(from: d)) }
    }
}
