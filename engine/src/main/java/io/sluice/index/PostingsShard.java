package io.sluice.index;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The inverted index of one shard: label name → label value → {@link Posting} (shard-local
 * series ids), plus the posting of every indexed series.
 *
 * <p>Visibility (docs/architecture.md, "Query side"): the writer adds a series to every one of its
 * label postings first and to the all-series posting last. A reader takes the all-series set
 * first, evaluates its matchers, and intersects the answer with that set. Any id in it had all its
 * postings updated before it was released, so the answer is exact for the series in that set, and
 * a series half-way through being indexed is simply not in it yet.
 *
 * <p>Threading: {@link #add} is called only by the shard's writer (the shard handler, or replay);
 * every other method may run on any thread, concurrently with it, without locks.
 */
public final class PostingsShard {
    private final StringMap<StringMap<Posting>> postings = new StringMap<>();
    private volatile Posting all;
    private volatile Thread writer;
    /**
     * Writer only: the label names of the last series added, by position, and their value maps.
     * Series of one metric carry the same names in the same order, so most lookups of a name's
     * value map become one string comparison (clients often build fresh name strings per series,
     * so the comparison is {@code equals}, not identity).
     */
    private final String[] lastNames = new String[Labels.MAX_LABELS];
    private final Object[] lastValues = new Object[Labels.MAX_LABELS];

    /** Hands the writer role to {@code thread} (replay's thread, then the shard handler's). */
    public void bindWriter(Thread thread) {
        writer = thread;
    }

    /** Writer only: indexes series {@code id} under each of its labels. */
    public void add(int id, Labels labels) {
        assert checkWriter();
        for (int i = 0, n = labels.size(); i < n; i++) {
            StringMap<Posting> values = valuesOf(i, labels.name(i));
            String value = labels.value(i);
            int e = values.indexOf(value);
            if (e < 0) {
                values.add(value, Posting.of(id));
            } else {
                Posting p = values.valueAt(e);
                if (!p.tryAppend(id)) {
                    values.replaceAt(e, p.withAdded(id));
                }
            }
        }
        Posting a = all;
        if (a == null) {
            all = Posting.of(id);
        } else if (!a.tryAppend(id)) {
            all = a.withAdded(id); // the release that publishes the series to readers
        }
    }

    /** Writer only: the value map of {@code name}, the {@code position}-th label of a series; created if new. */
    @SuppressWarnings("unchecked")
    private StringMap<Posting> valuesOf(int position, String name) {
        String last = lastNames[position];
        if (last != null && (last == name || last.equals(name))) {
            return (StringMap<Posting>) lastValues[position];
        }
        StringMap<Posting> values = postings.get(name);
        if (values == null) {
            values = new StringMap<>();
            postings.add(name, values); // get just reported it absent
        }
        lastNames[position] = name;
        lastValues[position] = values;
        return values;
    }

    private boolean checkWriter() {
        Thread w = writer;
        return w == null || w == Thread.currentThread();
    }

    /** Series indexed so far. */
    public int seriesCount() {
        Posting a = all;
        return a == null ? 0 : a.cardinality();
    }

    /** A fresh bitmap of every indexed series. */
    public RoaringBitmap allSeries() {
        Posting a = all;
        return a == null ? new RoaringBitmap() : a.toBitmap();
    }

    /**
     * The ids of the series that satisfy every matcher (an empty array means all series).
     * The result is a fresh bitmap that the caller owns.
     */
    public RoaringBitmap select(Matcher... matchers) {
        Posting all = this.all; // first: see the class comment
        if (all == null) {
            return new RoaringBitmap();
        }
        int published = all.published();
        RoaringBitmap result = null;
        // Positive sets first (they shrink the answer), then subtract what the others exclude.
        for (Matcher m : matchers) {
            if (!m.matchesEmpty()) {
                RoaringBitmap s = matching(m.name(), m, false);
                if (result == null) {
                    result = s;
                } else {
                    result.and(s);
                }
                if (result.isEmpty()) {
                    return result;
                }
            }
        }
        if (result == null) {
            result = all.snapshot(published);
        } else {
            result = all.and(result, published);
        }
        for (Matcher m : matchers) {
            if (m.matchesEmpty()) {
                subtractNonMatching(result, m);
                if (result.isEmpty()) {
                    return result;
                }
            }
        }
        return result;
    }

    /** Union of the postings of {@code name} whose value the matcher accepts (or rejects, if {@code invert}). */
    private RoaringBitmap matching(String name, Matcher m, boolean invert) {
        RoaringBitmap out = new RoaringBitmap();
        StringMap<Posting> values = postings.get(name);
        if (values == null) {
            return out;
        }
        Set<String> literals = m.literalValues();
        boolean positive = m.type() == Matcher.Type.EQ || m.type() == Matcher.Type.RE;
        if (literals != null && positive != invert) {
            // The accepted values are exactly the literals: look them up.
            for (String v : literals) {
                Posting p = values.get(v);
                if (p != null) {
                    p.orInto(out);
                }
            }
            return out;
        }
        // Many postings: gather their immutable chunks and loose ids, then one multi-way union.
        List<RoaringBitmap> parts = new ArrayList<>();
        values.forEach((value, posting) -> {
            if (m.matches(value) != invert) {
                posting.collect(parts, out);
            }
        });
        if (parts.isEmpty()) {
            return out;
        }
        parts.add(out);
        return FastAggregation.or(parts.iterator());
    }

    /** For a matcher that matches "": drop the series whose value of the label it rejects. */
    private void subtractNonMatching(RoaringBitmap result, Matcher m) {
        StringMap<Posting> values = postings.get(m.name());
        if (values == null) {
            return; // nobody has the label: everybody compares as "", which matches
        }
        Set<String> literals = m.literalValues();
        boolean positive = m.type() == Matcher.Type.EQ || m.type() == Matcher.Type.RE;
        if (literals != null && !positive) {
            for (String v : literals) { // != / !~ literal: exactly these values are rejected
                Posting p = values.get(v);
                if (p != null) {
                    p.andNotFrom(result);
                }
            }
            return;
        }
        result.andNot(matching(m.name(), m, true));
    }

    /** Label names that at least one indexed series carries (unsorted). */
    public Collection<String> labelNames() {
        List<String> names = new ArrayList<>();
        postings.forEach((name, values) -> {
            if (values.size() > 0) {
                names.add(name);
            }
        });
        return names;
    }

    /** Values of {@code name} (unsorted), all of them when {@code among} is null, else those some series in it carries. */
    public List<String> labelValues(String name, RoaringBitmap among) {
        List<String> out = new ArrayList<>();
        StringMap<Posting> values = postings.get(name);
        if (values == null) {
            return out;
        }
        values.forEach((value, posting) -> {
            if (among == null || posting.intersects(among)) {
                out.add(value);
            }
        });
        return out;
    }

    /** Number of distinct values of {@code name}. */
    public int valueCount(String name) {
        StringMap<Posting> values = postings.get(name);
        return values == null ? 0 : values.size();
    }
}
