import Foundation

/// A sweep's cells drawn as an SVG heatmap: targets down, positions across, a diverging colour
/// scale centred on 0, a colour bar and a title. Written by hand: the format is small and a
/// plotting dependency is not worth it.
public struct Heatmap: Sendable {
    public var title: String
    public var subtitle: String
    /// Row labels, top to bottom.
    public var rows: [String]
    /// Column indices (positions), left to right.
    public var columns: [Int]
    /// Text under each column's index (a token), or nil.
    public var columnLabels: [String]?
    /// Second text line under a column (the corrupted token where it differs), or nil.
    public var columnSubLabels: [String?]?
    /// `values[row][column]`: nil for a cell not computed (another shard), NaN for undefined.
    public var values: [[Double?]]
    /// Per-cell tooltip text, same layout as `values`.
    public var tooltips: [[String]]
    /// Name of the quantity coloured (shown on the colour bar).
    public var scaleLabel: String

    public init(
        title: String, subtitle: String, rows: [String], columns: [Int], columnLabels: [String]? = nil,
        columnSubLabels: [String?]? = nil, values: [[Double?]], tooltips: [[String]], scaleLabel: String
    ) {
        self.title = title
        self.subtitle = subtitle
        self.rows = rows
        self.columns = columns
        self.columnLabels = columnLabels
        self.columnSubLabels = columnSubLabels
        self.values = values
        self.tooltips = tooltips
        self.scaleLabel = scaleLabel
    }

    /// Colour stops of the diverging scale (ColorBrewer RdBu, blue for negative).
    static let stops: [(Double, (Double, Double, Double))] = [
        (-1, (33, 102, 172)), (-0.5, (146, 197, 222)), (0, (247, 247, 247)), (0.5, (244, 165, 130)),
        (1, (178, 24, 43)),
    ]

    /// The colour of `t` in [-1, 1] as `#rrggbb`.
    static func colour(_ t: Double) -> String {
        let t = Swift.max(-1, Swift.min(1, t))
        var i = 0
        while i < stops.count - 2 && t > stops[i + 1].0 { i += 1 }
        let (t0, c0) = stops[i]
        let (t1, c1) = stops[i + 1]
        let f = (t - t0) / (t1 - t0)
        let channels = [c0.0 + (c1.0 - c0.0) * f, c0.1 + (c1.1 - c0.1) * f, c0.2 + (c1.2 - c0.2) * f]
        return "#" + channels.map { String(format: "%02x", Int($0.rounded())) }.joined()
    }

    /// The largest |value|, rounded up to 1, 2 or 5 times a power of ten (1 when all are 0).
    static func scaleLimit(_ values: [[Double?]]) -> Double {
        let largest = values.joined().compactMap { $0 }.filter(\.isFinite).map(abs).max() ?? 0
        guard largest > 0 else { return 1 }
        let power = pow(10, floor(log10(largest)))
        for step in [1.0, 2, 2.5, 5, 10] where step * power >= largest * (1 - 1e-9) { return step * power }
        return 10 * power
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 allows no control characters other than tab and newlines.
                if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `text` shortened to `limit` characters, keeping its end (where names differ).
    static func shorten(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : "…" + String(text.suffix(limit - 1))
    }

    /// Spaces shown as `␣` (tokens often begin with one) and line breaks as `\n`.
    static func visible(_ token: String) -> String {
        token.replacingOccurrences(of: " ", with: "␣").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
    }

    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
        return String(format: "%.3g", x)
    }

    public var svg: String {
        let n = columns.count
        let m = rows.count
        let cellWidth = n <= 40 ? 30.0 : Swift.max(6, 1000 / Double(Swift.max(n, 1)))
        let cellHeight = m <= 40 ? 22.0 : Swift.max(5, 700 / Double(Swift.max(m, 1)))
        let rowLabels = rows.map { Self.shorten($0, 44) }
        let labelWidth = Double(rowLabels.map(\.count).max() ?? 4) * 6.6 + 16
        let left = Swift.max(labelWidth, 60) + 22
        let top = 70.0
        let gridWidth = cellWidth * Double(n)
        let gridHeight = cellHeight * Double(m)
        let labels = columnLabels?.map { Self.visible(Self.shorten($0, 14)) }
        let subLabels = columnSubLabels?.map { $0.map { Self.visible(Self.shorten($0, 14)) } }
        let labelLengths = (labels ?? []).enumerated().map { c, label in
            label.count
                + ((subLabels?.indices.contains(c) ?? false) ? (subLabels?[c]?.count).map { $0 + 3 } ?? 0 : 0)
        }
        let labelDepth = labels == nil ? 0 : 16 + Double(labelLengths.max() ?? 0) * 6.2 * 0.87
        let bottom = top + gridHeight + 20 + labelDepth + 24
        let barX = left + gridWidth + 24
        let titleWidth = 12 + Double(title.count) * 9.6
        let subtitleWidth = 12 + Double(subtitle.count) * 6.6
        let width = Swift.max(barX + 90, 480, titleWidth, subtitleWidth)
        let height = Swift.max(bottom, top + 160)
        let limit = Self.scaleLimit(values)
        let showNumbers = cellWidth >= 28 && cellHeight >= 18

        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
            <defs><pattern id="missing" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
            <rect width="6" height="6" fill="#e8e8e8"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b0b0b0" stroke-width="2"/></pattern></defs>
            <rect width="100%" height="100%" fill="white"/>
            <text x="12" y="24" font-size="16" font-weight="bold">\(Self.escape(title))</text>
            <text x="12" y="44" font-size="12" fill="#444">\(Self.escape(subtitle))</text>

            """
        // Cells.
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                let x = left + Double(c) * cellWidth
                let y = top + Double(r) * cellHeight
                let fill = value.map { $0.isFinite ? Self.colour($0 / limit) : "#9a9a9a" } ?? "url(#missing)"
                let tip = r < tooltips.count && c < tooltips[r].count ? tooltips[r][c] : ""
                s +=
                    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cellWidth))\" height=\"\(f(cellHeight))\" fill=\"\(fill)\">"
                s += "<title>\(Self.escape(tip))</title></rect>\n"
                if showNumbers, let value, value.isFinite {
                    let ink = abs(value / limit) > 0.6 ? "white" : "#222"
                    s +=
                        "<text x=\"\(f(x + cellWidth / 2))\" y=\"\(f(y + cellHeight / 2 + 3))\" font-size=\"8.5\" "
                        + "text-anchor=\"middle\" fill=\"\(ink)\" pointer-events=\"none\">\(String(format: "%.2f", value))</text>\n"
                }
            }
        }
        s +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(gridWidth))\" height=\"\(f(gridHeight))\" fill=\"none\" stroke=\"#666\" stroke-width=\"0.8\"/>\n"
        // Row labels, and one every k rows when rows are thin.
        let rowEvery = Swift.max(1, Int((11 / cellHeight).rounded(.up)))
        for (r, label) in rowLabels.enumerated() where r % rowEvery == 0 {
            let y = top + (Double(r) + 0.5) * cellHeight + 4
            s +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y))\" font-size=\"11\" text-anchor=\"end\">\(Self.escape(label))</text>\n"
        }
        // Column indices and tokens.
        let columnEvery = Swift.max(1, Int((16 / cellWidth).rounded(.up)))
        for (c, position) in columns.enumerated() where c % columnEvery == 0 {
            let x = left + (Double(c) + 0.5) * cellWidth
            s +=
                "<text x=\"\(f(x))\" y=\"\(f(top + gridHeight + 14))\" font-size=\"10\" text-anchor=\"middle\">\(position)</text>\n"
            if let labels, c < labels.count {
                // The clean token, then (in red) the corrupted one where it differs.
                var text = Self.escape(labels[c])
                if let sub = subLabels, c < sub.count, let other = sub[c] {
                    text += "<tspan fill=\"#b2182b\"> → \(Self.escape(other))</tspan>"
                }
                s +=
                    "<text transform=\"translate(\(f(x + 3)),\(f(top + gridHeight + 26))) rotate(-60)\" font-size=\"11\" "
                    + "text-anchor=\"end\">\(text)</text>\n"
            }
        }
        s +=
            "<text x=\"\(f(left + gridWidth / 2))\" y=\"\(f(bottom - 6))\" font-size=\"12\" text-anchor=\"middle\">position</text>\n"
        s +=
            "<text transform=\"translate(14,\(f(top + gridHeight / 2))) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">target</text>\n"
        // Colour bar: +limit at the top, −limit at the bottom.
        let barHeight = Swift.max(gridHeight, 120)
        let segments = 40
        for i in 0..<segments {
            let t = 1 - (Double(i) + 0.5) / Double(segments) * 2
            s +=
                "<rect x=\"\(f(barX))\" y=\"\(f(top + Double(i) * barHeight / Double(segments)))\" width=\"14\" "
                + "height=\"\(f(barHeight / Double(segments) + 0.5))\" fill=\"\(Self.colour(t))\"/>\n"
        }
        s +=
            "<rect x=\"\(f(barX))\" y=\"\(f(top))\" width=\"14\" height=\"\(f(barHeight))\" fill=\"none\" stroke=\"#666\" stroke-width=\"0.8\"/>\n"
        for tick in [1.0, 0.5, 0, -0.5, -1] {
            let y = top + (1 - tick) / 2 * barHeight
            s +=
                "<line x1=\"\(f(barX + 14))\" y1=\"\(f(y))\" x2=\"\(f(barX + 18))\" y2=\"\(f(y))\" stroke=\"#666\"/>"
            s +=
                "<text x=\"\(f(barX + 21))\" y=\"\(f(y + 4))\" font-size=\"10\">\(Self.number(tick * limit))</text>\n"
        }
        s += "<text x=\"\(f(barX))\" y=\"\(f(top - 8))\" font-size=\"11\">\(Self.escape(scaleLabel))</text>\n"
        s += "</svg>\n"
        return s
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }
}
