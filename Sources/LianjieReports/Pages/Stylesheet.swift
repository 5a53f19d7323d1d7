import LianjieScoring

/// The one stylesheet every page inlines: A4 print layout (182 mm of content inside
/// 14 mm margins), system CJK fonts, grade colours, and sections and charts that do not
/// break across pages.
enum Stylesheet {
    static let css: String = {
        var grades = ""
        for g in Grade.allCases {
            grades += ".grade-\(g.rawValue){color:\(Palette.grade(g));background:\(Palette.gradeTint(g));border-color:\(Palette.grade(g))}\n"
            grades += ".grade-text-\(g.rawValue){color:\(Palette.grade(g))}\n"
        }
        return """
        @page{size:A4;margin:14mm}
        *{box-sizing:border-box}
        html{-webkit-print-color-adjust:exact;print-color-adjust:exact;-webkit-text-size-adjust:100%}
        body{margin:0;background:#fff;color:\(Palette.ink);font-family:\(Markup.fontFamily);font-size:10pt;line-height:1.55;\
        overflow-wrap:break-word;word-break:normal;line-break:strict}
        .page{max-width:182mm;margin:0 auto;padding:22px 0 28px}
        @media screen and (max-width:190mm){.page{padding:16px 12px}}
        @media print{.page{max-width:none;padding:0}}
        h1,h2,h3{margin:0;font-weight:700;line-height:1.3}
        h1{font-size:20pt;letter-spacing:.02em;overflow-wrap:anywhere}
        h2{font-size:12.5pt;color:\(Palette.ink);padding-bottom:4px;border-bottom:2px solid \(Palette.subject);margin-bottom:10px;\
        break-after:avoid}
        h3{font-size:10.5pt;margin:0 0 6px;break-after:avoid}
        .en{font-weight:400;color:\(Palette.muted);font-size:.82em;letter-spacing:0}
        h2 .en,h3 .en{margin-left:.35em}
        .muted{color:\(Palette.muted)}
        .nowrap{white-space:nowrap}
        p.note{font-size:8.5pt;color:\(Palette.muted);margin:8px 0 0}
        .doc-header{border-bottom:1px solid \(Palette.rule);padding-bottom:12px;margin-bottom:16px}
        .kicker{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 16px;align-items:baseline;\
        color:\(Palette.subject);font-weight:700;font-size:11pt;margin-bottom:6px}
        .confidential{color:\(Palette.debit);font-size:9pt;font-weight:700;border:1px solid \(Palette.debit);\
        padding:0 6px;border-radius:3px;white-space:nowrap}
        .meta{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:6px 16px;margin:10px 0 0}
        .meta div{min-width:0}
        .meta dt{font-size:8.5pt;color:\(Palette.muted)}
        .meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}
        .notice{border:1px solid \(Palette.rule);border-left:4px solid \(Palette.subject);background:#f6f8fa;\
        padding:8px 12px;margin:12px 0 0;break-inside:avoid}
        .notice.veto{border-left-color:\(Palette.debit);background:\(Palette.gradeTint(.poor))}
        .notice.warn{border-left-color:\(Palette.grade(.fair));background:\(Palette.gradeTint(.fair))}
        .notice strong{display:block}
        .block{margin:0 0 18px;break-inside:avoid}
        .block.long{break-inside:auto}
        figure{margin:0;break-inside:avoid}
        figcaption{font-size:8.5pt;color:\(Palette.muted);margin-top:4px}
        svg.chart{display:block;width:100%;height:auto;max-width:100%;break-inside:avoid}
        .cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px;align-items:start}
        .cols>*{min-width:0}
        .cols.wide-first{grid-template-columns:minmax(0,1.12fr) minmax(0,1fr)}
        .summary{display:grid;grid-template-columns:42mm minmax(0,1fr);gap:14px;align-items:stretch}
        .score-card{border:1px solid \(Palette.rule);border-radius:6px;padding:10px 12px;text-align:center;background:#fafbfc}
        .score-card .label{font-size:9pt;color:\(Palette.muted)}
        .score{font-size:30pt;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums;margin:2px 0 6px}
        .score.nodata{font-size:18pt;color:\(Palette.muted);margin:10px 0}
        .facts{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px}
        .facts.four{grid-template-columns:repeat(4,minmax(0,1fr))}
        .fact{border:1px solid \(Palette.rule);border-radius:6px;padding:8px 10px;min-width:0}
        .fact .label{font-size:8.5pt;color:\(Palette.muted);line-height:1.35}
        .fact .label .en{display:block;margin:0}
        .fact .value{font-size:15pt;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.3}
        .fact .note{font-size:8.5pt;color:\(Palette.muted);overflow-wrap:anywhere}
        .figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(30mm,1fr));gap:10px}
        .figures.six{grid-template-columns:repeat(6,minmax(0,1fr))}
        table.forms{margin-top:10px}
        .grade{display:inline-block;padding:0 7px;border:1px solid;border-radius:10px;font-weight:700;white-space:nowrap;\
        font-size:9pt;line-height:1.6}
        .grade .en{color:inherit;opacity:.8}
        .grade-large{font-size:11pt;padding:1px 10px}
        \(grades)\
        .veto-mark{display:inline-block;margin-left:4px;padding:0 4px;border-radius:3px;background:\(Palette.debit);color:#fff;\
        font-size:8pt;font-weight:700;white-space:nowrap}
        table{width:100%;border-collapse:collapse;table-layout:fixed;font-size:8.8pt;font-variant-numeric:tabular-nums}
        th,td{padding:4px 5px;border-bottom:1px solid \(Palette.grid);vertical-align:top;text-align:left;overflow-wrap:anywhere}
        th{font-weight:700;font-size:8.3pt;color:\(Palette.ink);background:#f3f5f7;border-bottom:1px solid \(Palette.rule);\
        vertical-align:bottom}
        th .en{display:block;margin:0;font-size:7.5pt}
        tr{break-inside:avoid}
        td.num,th.num{text-align:right}
        td.num{white-space:nowrap;overflow-wrap:normal}
        td.center,th.center{text-align:center}
        td.calc{font-size:8.3pt;color:\(Palette.muted)}
        .code{font-size:7.6pt;color:\(Palette.muted);overflow-wrap:anywhere;line-height:1.35}
        td.empty{color:\(Palette.muted);text-align:center;padding:10px}
        tr.not-counted td{color:\(Palette.faint)}
        tfoot{display:table-row-group}
        tfoot td{font-weight:700;border-top:1px solid \(Palette.rule);border-bottom:none;background:#fafbfc}
        tfoot tr.grand td{border-top:2px solid \(Palette.ink)}
        .change.up{color:\(Palette.credit);font-weight:600}
        .change.down{color:\(Palette.debit);font-weight:600}
        .nodata{color:\(Palette.muted);font-style:italic}
        .suppressed{color:\(Palette.muted);font-weight:600;background:\(Palette.neutralTint);padding:0 4px;border-radius:2px;\
        white-space:nowrap}
        .sev{display:inline-block;padding:0 5px;border-radius:3px;font-size:8pt;font-weight:700;white-space:nowrap;border:1px solid}
        .sev-notice{color:\(Palette.grade(.good));border-color:\(Palette.grade(.good))}
        .sev-warning{color:\(Palette.grade(.fair));border-color:\(Palette.grade(.fair))}
        .sev-serious{color:#fff;background:\(Palette.debit);border-color:\(Palette.debit)}
        ul.notes{margin:0;padding-left:1.3em}
        ul.notes li{margin:2px 0}
        .doc-footer{margin-top:22px;padding-top:8px;border-top:1px solid \(Palette.rule);font-size:8pt;color:\(Palette.muted);\
        break-inside:avoid}
        .doc-footer dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:1px 10px;margin:0 0 4px}
        .doc-footer dt{white-space:nowrap}
        .doc-footer dd{margin:0;overflow-wrap:anywhere;font-family:'DejaVu Sans Mono',monospace;font-size:7.6pt;color:\(Palette.ink)}
        /* The dossier's cases, each a small card of facts; revoked entries greyed. */
        .case{border:1px solid \(Palette.rule);border-radius:6px;padding:6px 10px;margin:8px 0 0;break-inside:avoid}
        .case h3{margin:0 0 4px;font-size:10.5pt}
        .case-facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;margin:0}
        .case-facts dt{color:\(Palette.muted);font-size:8.5pt}.case-facts dt .en{margin-left:4px}
        .case-facts dd{margin:0;overflow-wrap:anywhere}
        tr.revoked td{color:\(Palette.muted)}
        /* The opinion's verdict and its two signatures. */
        .verdict{display:inline-block;border:2px solid;border-radius:8px;padding:10px 22px;margin:4px 0 8px}
        .verdict .zh{font-size:22pt;font-weight:700;margin-right:10px}.verdict .en{font-size:11pt}
        .verdict-noObjection{color:\(Palette.grade(.excellent));border-color:\(Palette.grade(.excellent));background:\(Palette.gradeTint(.excellent))}
        .verdict-deferred{color:\(Palette.grade(.fair));border-color:\(Palette.grade(.fair));background:\(Palette.gradeTint(.fair))}
        .verdict-objection{color:\(Palette.grade(.poor));border-color:\(Palette.grade(.poor));background:\(Palette.gradeTint(.poor))}
        .statement{margin:14px 0 8px;line-height:1.7}
        .signatures{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
        .signature{border-top:1px solid \(Palette.ink);padding-top:6px;min-height:72px}
        .signature .label{font-size:8.5pt;color:\(Palette.muted)}.signature .who{font-size:11pt;font-weight:600;margin-top:4px}
        /* Phones (the mobile gateway shows the same pages): one column, tighter tables. */
        @media screen and (max-width:560px){.meta{grid-template-columns:repeat(2,minmax(0,1fr))}\
        .cols,.cols.wide-first,.summary{grid-template-columns:minmax(0,1fr)}.facts{grid-template-columns:minmax(0,1fr)}\
        .facts.four,.figures.six{grid-template-columns:repeat(2,minmax(0,1fr))}.case-facts{grid-template-columns:minmax(0,1fr)}\
        table{font-size:8pt}th,td{padding:3px 2px}.grade .en{display:none}\
        table.entries,table.placements{table-layout:auto}table.entries td:nth-child(3),table.entries th:nth-child(3),table.entries col:nth-child(3){display:none}\
        table.entries td:first-child{white-space:nowrap}}
        """
    }()
}
