import sharp from 'sharp';

/** A small JPEG of an image file as a data URI (so the HTML report stays self-contained); null if unreadable. */
export async function thumbnailDataUri(path: string, size = 160): Promise<string | null> {
  try {
    const jpeg = await sharp(path, { failOn: 'none' })
      .rotate()
      .resize(size, size, { fit: 'inside' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return null;
  }
}
