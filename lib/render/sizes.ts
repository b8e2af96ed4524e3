/**
 * The pixel sizes of the images the pipeline renders, by output format: the
 * renderer draws at these sizes and the API reports them, so both read them
 * from here (a module without the renderer's weight, for the API).
 */
import type { OutputFormat } from "@/lib/generations/generations";

export const CAROUSEL_SIZE = { width: 1080, height: 1350 } as const;
export const BULLET_CARD_SIZE = { width: 1080, height: 1350 } as const;
export const QUOTE_CARD_SIZE = { width: 1080, height: 1080 } as const;

export const IMAGE_SIZE: Record<OutputFormat, { width: number; height: number }> = {
  bullet_points: BULLET_CARD_SIZE,
  carousel: CAROUSEL_SIZE,
  canva_design: QUOTE_CARD_SIZE,
};
