/** The page's only stylesheet, inline: no asset routes, nothing to cache or build. */
export const STYLE = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1120px;padding:20px 24px 32px;color:#1f2328;background:#f6f7f9}
header{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;margin-bottom:16px}
h1{font-size:20px;margin:0}h1+.muted{flex:1}
h2{font-size:17px;margin:0;display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px}
h3{font-size:11px;letter-spacing:.06em;text-transform:uppercase;color:#656d76;margin:16px 0 6px}
code,.url{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.muted{color:#656d76}.small{font-size:12px}
.notice{background:#fff4e5;border:1px solid #f0c36d;border-radius:6px;padding:10px 14px;margin:0 0 16px}
.cache{background:#fff;border:1px solid #d8dee4;border-radius:10px;padding:18px 20px;margin:0 0 16px}
.badge{font-size:11px;font-weight:600;border-radius:10px;padding:1px 8px;background:#eaeef2;color:#424a53}
.badge.public{background:#dafbe1;color:#1a7f37}
.usage{margin:14px 0 10px}.headline{margin-bottom:6px}
.bar{display:flex;height:20px;background:#eaeef2;border-radius:5px;overflow:hidden}.seg{height:100%}
.bar.split{height:8px}.seg+.seg{border-left:1px solid #fff}
.t1{background:#2da44e}.t2{background:#3b82f6}.t3{background:#f59e0b}.free{background:#eaeef2}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin-top:6px;font-size:12px}
.k{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px;vertical-align:-1px}
.k.free{box-shadow:inset 0 0 0 1px #c9d1d9}
.traffic{display:flex;gap:16px;align-items:center;margin:12px 0 4px}
figure{margin:0}figcaption{display:flex;justify-content:space-between;font-size:10px;color:#8c959f}
rect.none{fill:#eaeef2}rect.miss{fill:#f4a7a7}rect.hit{fill:#2da44e}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 32px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th{font-weight:600;color:#656d76;text-align:left;border-bottom:1px solid #d8dee4;padding:3px 6px}
td{padding:4px 6px;border-bottom:1px solid #eef1f4}.num{text-align:right;white-space:nowrap}
td.name,.name{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;overflow-wrap:anywhere}
.tier{display:inline-block;min-width:20px;text-align:center;border-radius:9px;color:#fff;font-size:11px;font-weight:600;padding:0 6px}
sup{color:#656d76}section>p{margin:4px 0}
ul{list-style:none;margin:0;padding:0;font-size:12.5px}
li{display:flex;gap:8px;padding:4px 0;border-bottom:1px solid #eef1f4}.when{margin-left:auto;color:#656d76;white-space:nowrap}
form{display:flex;flex-wrap:wrap;gap:6px;align-items:center;font-size:13px}
input[type=password]{width:300px;padding:4px 8px;border:1px solid #d0d7de;border-radius:6px}
button{padding:4px 12px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer}
footer{font-size:12px;color:#656d76;margin-top:8px}
@media (max-width:800px){.grid{grid-template-columns:1fr}.traffic{flex-wrap:wrap}input[type=password]{width:100%}}
`;
