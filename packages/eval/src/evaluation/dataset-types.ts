/** Ground truth of one image. */
export type Truth = 'sharp' | 'blurred';

/** How a dataset's folders (or manifest) are organised. */
export type DatasetLayout =
  /** `GOPRO_Large/test/<scene>/{blur,blur_gamma,sharp}/*.png` given at `GOPRO_Large` */
  | 'gopro-large'
  /** the same given at `GOPRO_Large/test` (scene folders directly below) */
  | 'gopro-scenes'
  /** reorganised copies: `test/{blur,sharp}/**`, given at the parent of `test` or at `test` */
  | 'gopro-reorganised'
  /** `<root>/{sharp,blurred}/**` */
  | 'generic'
  /** a CSV manifest with `path,label` columns */
  | 'manifest-csv'
  /** a JSONL manifest with `{"path","label"}` lines */
  | 'manifest-jsonl';

/** One labelled image of a dataset. */
export interface DatasetItem {
  /** Path relative to the dataset root, `/`-separated: the image's identity in predictions.jsonl. */
  readonly file: string;
  /** Absolute path on disk. */
  readonly path: string;
  readonly truth: Truth;
}

/** Images per class. */
export interface ClassCounts {
  readonly sharp: number;
  readonly blurred: number;
  readonly total: number;
}

/** A detected dataset, streamed on demand. */
export interface Dataset {
  /** What the user gave (directory or manifest), absolute. */
  readonly input: string;
  /** The directory `file` paths are relative to. */
  readonly root: string;
  readonly layout: DatasetLayout;
  /** One line a person reads, e.g. `GoPro Large as distributed, test split, 11 scenes (blur_gamma excluded)`. */
  readonly description: string;
  readonly includeBlurGamma: boolean;
  /** Streams the images in a stable order, holding no more than one folder's names at a time. */
  items(): AsyncIterable<DatasetItem>;
}
