# Writes the OpenMetrics input of Sluice's golden merged block (deterministic): five 2 h ranges.
t0 = 1700006400  # a multiple of 21600 s: the first three ranges make one aligned 6 h range
out = []
out.append('# HELP sluice_merge_requests Requests served.')
out.append('# TYPE sluice_merge_requests counter')
for code in ('200', '500'):
    v = 0.0
    for i in range(5 * 480):  # every range, 15 s apart
        v += (3 if code == '200' else 1) + (i % 4)
        out.append('sluice_merge_requests_total{code="%s"} %s %d' % (code, repr(v), t0 + 15 * i))
out.append('# HELP sluice_merge_gauge A gauge in ranges 0 and 2 only.')
out.append('# TYPE sluice_merge_gauge gauge')
for i in range(5 * 120):
    r = (60 * i) // 7200
    if r in (0, 2):
        out.append('sluice_merge_gauge{zone="eu"} %s %d' % (repr(round(10 + (i % 17) * 0.25, 2)), t0 + 60 * i))
out.append('# HELP sluice_merge_late A series that starts in range 1.')
out.append('# TYPE sluice_merge_late gauge')
for i in range(240, 5 * 240):
    out.append('sluice_merge_late{zone="us"} %d %d' % (i % 7, t0 + 30 * i))
out.append('# HELP sluice_merge_newest A series only in the newest range.')
out.append('# TYPE sluice_merge_newest gauge')
for i in range(4 * 120, 5 * 120):
    out.append('sluice_merge_newest{zone="ap"} 1 %d' % (t0 + 60 * i))
out.append('# EOF')
open('input.om', 'w', encoding='utf-8').write('\n'.join(out) + '\n')
