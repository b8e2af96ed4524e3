/**
 * A carousel's slide: what the pipeline wrote for it, and its alt text. Its own
 * file so Generation (graphql/schema/generation.ts) stays about the generation.
 */
import { builder } from "@/graphql/builder";
import { slideAltText } from "@/lib/generations/alt-text";

type SlideShape = { title: string; body: string; altText?: string; number: number };

export const Slide = builder.objectRef<SlideShape>("Slide").implement({
  description: "One slide of a carousel; its image is createGenerationDownloadUrl(input: { id, slide: number }).",
  fields: (t) => ({
    number: t.exposeInt("number", { description: "Its place in the carousel, from 1 (the cover)." }),
    title: t.exposeString("title", { description: "The slide's title." }),
    body: t.exposeString("body", { description: "The slide's short body text." }),
    altText: t.string({
      description: "Words for the slide's image, for screen readers and the post's image description: its title, then its body.",
      resolve: (slide) => slide.altText ?? slideAltText(slide),
    }),
  }),
});
