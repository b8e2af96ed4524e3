/**
 * Sentences, words and the standalone rule in several scripts: what ICU's
 * segmenter gives, and what this module corrects (abbreviations, list
 * markers, thread numbers).
 */
import { describe, expect, it } from "vitest";
import {
  clausesOf,
  countWords,
  fragmentProblem,
  independentPartsOf,
  isFiller,
  languageOf,
  sentencesOf,
  titleProblem,
  withoutFillerOpening,
} from "@/lib/ai/sentences";

const texts = (text: string) => sentencesOf(text).map((sentence) => sentence.text);

describe("sentences", () => {
  it("keeps names, abbreviations and numbers inside their sentence", () => {
    expect(texts("Dr. Chen at Acme Inc. measured a 27.5% drop. Mr. Alvarez joined the U.S. team, e.g. in 2021. It worked!")).toEqual([
      "Dr. Chen at Acme Inc. measured a 27.5% drop.",
      "Mr. Alvarez joined the U.S. team, e.g. in 2021.",
      "It worked!",
    ]);
  });

  it("splits Chinese on 。！？ and Arabic on . and ؟", () => {
    expect(texts("我们在三月发布了新版本。用户增长了百分之四十！你觉得呢？")).toEqual(["我们在三月发布了新版本。", "用户增长了百分之四十！", "你觉得呢？"]);
    expect(texts("أطلقنا المنتج في مارس. هل نجح؟ نعم.")).toEqual(["أطلقنا المنتج في مارس.", "هل نجح؟", "نعم."]);
  });

  it("takes each line on its own and drops list markers and thread numbers, remembering which lines were listed", () => {
    expect(sentencesOf("Packing list\n- Waterproof jacket with a hood\n2. Wool socks.\n3/ Cash in euros.")).toEqual([
      { text: "Packing list", listed: false },
      { text: "Waterproof jacket with a hood", listed: true },
      { text: "Wool socks.", listed: true },
      { text: "Cash in euros.", listed: true },
    ]);
  });

  it("tells languages apart by script, and Latin ones by their small words", () => {
    expect(languageOf("我们公司从二〇二一年开始实行远程办公。")).toBe("zh");
    expect(languageOf("افتتحت مكتبة الحي الجديدة أبوابها.")).toBe("ar");
    expect(languageOf("Seit drei Jahren arbeitet unser Team von zu Hause und wir sind nicht allein.")).toBe("de");
    expect(languageOf("El problema no eran los clientes, sino los horarios de la tienda.")).toBe("es");
    expect(languageOf("The plan adds bike lanes to the old town.")).toBe("en");
  });

  it("counts words as a person does, and Chinese by its words", () => {
    expect(countWords("Churn fell to 2.2% in time-zone X — again.")).toBe(8);
    expect(countWords("用户增长了百分之四十")).toBeGreaterThanOrEqual(3);
  });
});

describe("filler", () => {
  it("drops sign-posts and sign-offs, not sentences that only start like them", () => {
    for (const filler of ["In this post, I want to share what we learned.", "A thread 🧵", "🧵 Thread on pricing:", "Thanks for reading!", "Follow me for more!", "谢谢阅读！"]) {
      expect(isFiller(filler), filler).toBe(true);
    }
    for (const point of ["In this article's survey, 40% of teams wrote first.", "Thread safety costs us 3% of throughput.", "Following the change, churn fell."]) {
      expect(isFiller(point), point).toBe(false);
    }
    expect(withoutFillerOpening("So, we moved every decision into a document.")).toBe("We moved every decision into a document.");
    expect(withoutFillerOpening("Sonnet 18 is famous.")).toBe("Sonnet 18 is famous.");
  });
});

describe("standing alone", () => {
  it("names what makes a line a fragment", () => {
    expect(fragmentProblem("Our survey of forty startups found that.", "en")).toBe('it ends on "that", as if cut off');
    expect(fragmentProblem("Written proposals cut meeting time by a…", "en")).toBe("it ends with an ellipsis, as if cut");
    expect(fragmentProblem("Written proposals cut meeting time", "en")).toMatch(/does not end as a sentence/);
    expect(fragmentProblem("Wir haben gemessen, dass.", "de")).toBe('it ends on "dass", as if cut off');
    expect(fragmentProblem("Ella dijo que.", "es")).toBe('it ends on "que", as if cut off');
    expect(fragmentProblem("用户增长了百分之四十.", "zh")).toMatch(/。！？/);
    expect(fragmentProblem("Her company (mostly in France.", "en")).toMatch(/\(\) do not pair up/);
    expect(fragmentProblem("Where is it from?", "en")).toBeNull();
    expect(fragmentProblem("Log in.", "en")).toBe("it is too short to stand alone");
    expect(fragmentProblem("We shipped it on Friday.", "en")).toBeNull();
    expect(fragmentProblem("现在每天的会议时间平均只有四十分钟。", "zh")).toBeNull();
    expect(fragmentProblem("قررنا تأجيل إطلاق التطبيق إلى شهر نوفمبر.", "ar")).toBeNull();
    expect(titleProblem("Meeting time and", "en")).toBe('it ends on "and", as if cut off');
    expect(titleProblem("Written proposals cut meeting time", "en")).toBeNull();
  });

  it("splits a sentence into clauses only where each stands alone", () => {
    expect(clausesOf("Hire slowly and carefully; the wrong person costs more than an empty seat.", "en")).toEqual([
      "Hire slowly and carefully.",
      "The wrong person costs more than an empty seat.",
    ]);
    // "Hire slowly." alone is too short to stand, so the sentence stays whole.
    expect(clausesOf("Hire slowly; the wrong person costs more than an empty seat.", "en")).toHaveLength(1);
    expect(independentPartsOf("We raised prices by 30% in January, after two years at the same price.", "en")).toEqual([
      "We raised prices by 30% in January.",
    ]);
  });
});
