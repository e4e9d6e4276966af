import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export const PRODUCT_TYPES = ["course", "template", "prompt_pack", "ebook", "other"] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];
export const PRODUCT_PRICINGS = ["fixed", "free", "pwyw"] as const;
export type ProductPricing = (typeof PRODUCT_PRICINGS)[number];

/** Digital products a creator sells once. */
export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").$type<ProductType>().notNull(),
    title: text("title").notNull(),
    /** Unique per creator; the public address is /@handle/products/:slug. */
    slug: text("slug").notNull(),
    descriptionMarkdown: text("description_markdown").notNull().default(""),
    coverKey: text("cover_key"),
    /** fixed | free | pwyw (pay what you want, from `minimumAmount`). */
    pricing: text("pricing").$type<ProductPricing>().notNull().default("fixed"),
    /** Integer minor units: the price (fixed), 0 (free), or the suggested price shown first (pwyw). */
    priceAmount: integer("price_amount").notNull(),
    /** Pay what you want: the least a buyer may pay, in minor units (0 = free is allowed). Null otherwise. */
    minimumAmount: integer("minimum_amount"),
    currency: text("currency").notNull(),
    /** draft | published */
    status: text("status").notNull().default("draft"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("products_creator_slug").on(t.creatorId, t.slug), index("products_creator_status").on(t.creatorId, t.status)],
);

/** Files buyers download. Stored in R2 under private/…; never served by /media. */
export const productFiles = sqliteTable(
  "product_files",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    r2Key: text("r2_key").notNull().unique(),
    /** Display name only (sanitised); never used to build the key. */
    fileName: text("file_name").notNull(),
    mime: text("mime").notNull(),
    size: integer("size").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("product_files_product").on(t.productId)],
);

/** Ordered lessons of a course product. */
export const lessons = sqliteTable(
  "lessons",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    bodyMarkdown: text("body_markdown").notNull().default(""),
    videoUrl: text("video_url"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("lessons_product_pos").on(t.productId, t.position)],
);

/** Which lessons a buyer has completed. */
export const lessonProgress = sqliteTable(
  "lesson_progress",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lessonId: text("lesson_id")
      .notNull()
      .references(() => lessons.id, { onDelete: "cascade" }),
    productId: text("product_id").notNull(),
    completedAt: integer("completed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lessonId] }), index("lesson_progress_product").on(t.userId, t.productId)],
);

/** Where a buyer left off in a course (resume). */
export const courseCursors = sqliteTable(
  "course_cursors",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    lessonId: text("lesson_id").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.productId] })],
);
