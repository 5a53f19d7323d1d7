import LianjieReports

/// The pages' one stylesheet and one script, served by the gateway itself (the CSP allows
/// nothing else). Phone first: one column, large touch targets; wider screens get a
/// centred column.
enum Assets {
    /// The two answers, made once.
    static let stylesheet = response(css, type: "text/css; charset=utf-8")
    static let javascript = response(script, type: "text/javascript; charset=utf-8")

    static func response(_ text: String, type: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", type), ("Cache-Control", "public, max-age=3600"),
                                            ("X-Content-Type-Options", "nosniff")], body: Array(text.utf8))
    }

    static let css = """
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;font-family:\(Markup.fontFamily);font-size:16px;line-height:1.5;color:#1d2733;background:#f3f5f8}
        a{color:#0b5cad}
        .bar{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:10px 14px;background:#8f1d1d;color:#fff}
        .bar a.brand{color:#fff;font-weight:700;text-decoration:none;font-size:18px}
        .bar .who{font-size:14px;opacity:.9;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:60%}
        .menu{display:flex;flex-wrap:wrap;gap:6px;padding:8px 10px;background:#fff;border-bottom:1px solid #dde3ea}
        .menu a{padding:6px 10px;border-radius:16px;background:#eef2f7;text-decoration:none;font-size:14px;color:#1d2733}
        main{padding:12px 14px 24px;max-width:760px;margin:0 auto}
        h1{font-size:20px;margin:6px 0 12px}
        h2{font-size:16px;margin:0 0 6px}
        .card{background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:12px;margin:0 0 12px;overflow-wrap:anywhere}
        .card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:6px 0;font-size:14px}
        .card dt{color:#5b6875}
        .card dd{margin:0}
        .card .text{white-space:pre-wrap;margin:6px 0}
        .badge{display:inline-block;font-size:12px;font-weight:400;padding:1px 8px;border-radius:10px;background:#eef2f7;vertical-align:middle}
        .badge.ok{background:#e3f4e8;color:#1b6b35}.badge.warn{background:#fff2d6;color:#7a5200}.badge.bad{background:#fde4e4;color:#9b1c1c}
        .grade-excellent{background:#e3f4e8;color:#1b6b35}.grade-good{background:#e4eefb;color:#0b4a8a}
        .grade-fair{background:#fff2d6;color:#7a5200}.grade-poor{background:#fde4e4;color:#9b1c1c}
        form{margin:8px 0}
        form.inline{display:inline}
        label{display:block;margin:0 0 10px;font-size:14px;color:#3b4754}
        input,select,textarea{display:block;width:100%;margin-top:4px;padding:10px;font:inherit;border:1px solid #b9c3ce;border-radius:8px;background:#fff}
        input[type=file]{padding:8px;background:#f8fafc}
        button{font:inherit;padding:10px 16px;border:0;border-radius:8px;background:#0b5cad;color:#fff;min-height:44px;cursor:pointer}
        button.danger{background:#9b1c1c}
        form.inline button{background:none;color:#0b5cad;padding:0;min-height:0;text-decoration:underline}
        .actions{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
        .actions form{margin:0}
        details{margin:6px 0}
        summary{cursor:pointer;color:#0b5cad;padding:6px 0}
        .notice{padding:10px 12px;border-radius:8px;margin:0 0 12px}
        .notice.ok{background:#e3f4e8;color:#1b6b35}.notice.error{background:#fde4e4;color:#9b1c1c}
        .notice ul{margin:4px 0 0;padding-left:20px}
        .empty{color:#5b6875}
        .muted{color:#5b6875;font-size:14px}
        .score{font-size:34px;font-weight:700}
        .chart{background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:8px;margin:0 0 12px}
        .chart svg{display:block;width:100%;max-width:520px;height:auto;margin:0 auto}
        .score{margin:4px 0}
        .foot{padding:12px 14px 24px;max-width:760px;margin:0 auto;font-size:14px;color:#5b6875;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
        .foot p{flex-basis:100%;margin:4px 0 0}
        .preview{max-width:100%;max-height:220px;border-radius:8px;margin:4px 0 10px;display:none}
        .evidence{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0}
        .thumb{display:block;width:160px;height:120px;object-fit:contain;background:#eef1f5;border-radius:6px;border:1px solid #dde3ea}
        .preview.shown{display:block}
        .more{display:block;text-align:center;margin:8px 0}
        @media (min-width:700px){main{padding:20px}.card{padding:16px}}
        """

    /// Progressive help, nothing a page needs to work without, except a photo's size and
    /// SHA-256, which lianjied wants before the first byte: computed here and put in the
    /// form ahead of the file, so the gateway can stream the photo straight through.
    static let script = """
        'use strict';
        (function () {
          function hex(buffer) {
            return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
          }
          // SHA-256 for browsers without crypto.subtle (plain http on a LAN address).
          function sha256(bytes) {
            var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,
              0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,
              0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
              0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,
              0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,
              0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
            var H = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
            var n = bytes.length, total = ((n + 9 + 63) >> 6) << 6, m = new Uint8Array(total);
            m.set(bytes); m[n] = 0x80;
            var bits = n * 8, dv = new DataView(m.buffer);
            dv.setUint32(total - 4, bits >>> 0); dv.setUint32(total - 8, Math.floor(bits / 4294967296));
            var w = new Uint32Array(64);
            for (var o = 0; o < total; o += 64) {
              for (var i = 0; i < 16; i++) w[i] = dv.getUint32(o + i * 4);
              for (i = 16; i < 64; i++) {
                var a = w[i - 15], b = w[i - 2];
                var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
                var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
                w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
              }
              var A = H[0], B = H[1], C = H[2], D = H[3], E = H[4], F = H[5], G = H[6], J = H[7];
              for (i = 0; i < 64; i++) {
                var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
                var t1 = (J + S1 + ((E & F) ^ (~E & G)) + K[i] + w[i]) | 0;
                var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
                var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
                J = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
              }
              H[0] = (H[0] + A) | 0; H[1] = (H[1] + B) | 0; H[2] = (H[2] + C) | 0; H[3] = (H[3] + D) | 0;
              H[4] = (H[4] + E) | 0; H[5] = (H[5] + F) | 0; H[6] = (H[6] + G) | 0; H[7] = (H[7] + J) | 0;
            }
            return H.map(function (x) { return ('0000000' + (x >>> 0).toString(16)).slice(-8); }).join('');
          }
          document.querySelectorAll('input[type=file][data-digest]').forEach(function (input) {
            var form = input.form, button = form.querySelector('button[type=submit]');
            var preview = form.querySelector('img.preview');
            input.addEventListener('change', function () {
              var file = input.files && input.files[0];
              form.elements.size.value = ''; form.elements.sha256.value = '';
              if (!file) { if (preview) preview.classList.remove('shown'); return; }
              if (preview) { preview.src = URL.createObjectURL(file); preview.classList.add('shown'); }
              button.disabled = true;
              file.arrayBuffer().then(function (buffer) {
                if (window.crypto && crypto.subtle) return crypto.subtle.digest('SHA-256', buffer).then(hex);
                return sha256(new Uint8Array(buffer));
              }).then(function (digest) {
                form.elements.size.value = String(file.size);
                form.elements.sha256.value = digest;
                button.disabled = false;
              });
            });
          });
          document.querySelectorAll('form[data-confirm]').forEach(function (form) {
            form.addEventListener('submit', function (e) { if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault(); });
          });
        })();
        """
}
