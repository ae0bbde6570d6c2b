# Writes the OpenMetrics input of Sluice's golden Prometheus block (deterministic).
import math
t0 = 1700006400  # a multiple of 7200 s: the block starts on a 2 h boundary
out = []
out.append('# HELP sluice_golden_requests Requests served.')
out.append('# TYPE sluice_golden_requests counter')
for code in ('200', '500'):
    v = 0.0
    for i in range(300):  # 300 samples, 15 s apart: three 120-sample chunks
        v += (7 if code == '200' else 1) + (i % 5)
        out.append('sluice_golden_requests_total{code="%s",method="GET"} %s %d' % (code, repr(v), t0 + 15 * i))
out.append('# HELP sluice_golden_temperature Temperature in degrees Celsius.')
out.append('# TYPE sluice_golden_temperature gauge')
for k, city in enumerate(('Zürich', '東京', '𝄞 clef', 'Ω\\"quoted\\"')):
    for i in range(40):
        v = round(20 + 5 * math.sin((i + 7 * k) / 6.0), 3)
        out.append('sluice_golden_temperature{city="%s"} %s %d.%03d' % (city, repr(v), t0 + 60 * i + k, (137 * i) % 1000))
out.append('# HELP sluice_golden_special Special float values.')
out.append('# TYPE sluice_golden_special gauge')
specials = ['NaN', '+Inf', '-Inf', '-0.0', '0', '1e-300', '-1.7976931348623157e+308', '0.1', '3', '3']
for i, s in enumerate(specials):
    out.append('sluice_golden_special{kind="mixed"} %s %d' % (s, t0 + 1000 + 17 * i))
out.append('# EOF')
open('input.om', 'w', encoding='utf-8').write('\n'.join(out) + '\n')
