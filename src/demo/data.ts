/**
 * Deterministic demo data: the same seed always yields the same products, prices, stock, carts
 * and favorites, so tests and screenshots can name them.
 */
export interface DemoProduct {
  id: string;
  name: string;
  description: string;
  category: string;
}

export interface DemoData {
  products: DemoProduct[];
  productsById: Map<string, DemoProduct>;
  prices: Map<string, number>;
  stock: Map<string, number>;
  carts: Map<string, Array<{ productId: string; quantity: number }>>;
  favorites: Map<string, string[]>;
}

const ADJECTIVES = ['Sturdy', 'Compact', 'Classic', 'Vivid', 'Quiet', 'Rugged', 'Sleek', 'Cozy', 'Bright', 'Nimble', 'Gentle', 'Bold'];
const MATERIALS = ['Oak', 'Steel', 'Linen', 'Ceramic', 'Bamboo', 'Copper', 'Wool', 'Glass', 'Leather', 'Granite'];
const NOUNS: Record<string, string[]> = {
  kitchen: ['Kettle', 'Skillet', 'Cutting Board', 'Teapot', 'Mixing Bowl'],
  outdoor: ['Lantern', 'Tent Stake', 'Camp Stool', 'Water Bottle', 'Trail Pack'],
  office: ['Desk Lamp', 'Notebook', 'Pen Holder', 'Monitor Stand', 'File Box'],
  home: ['Throw Blanket', 'Vase', 'Candle', 'Wall Clock', 'Cushion'],
  garden: ['Planter', 'Trowel', 'Watering Can', 'Bird Feeder', 'Hose Reel'],
  audio: ['Speaker', 'Headphones', 'Turntable Mat', 'Radio', 'Earbuds'],
  fitness: ['Yoga Mat', 'Kettlebell', 'Jump Rope', 'Foam Roller', 'Dumbbell'],
  travel: ['Duffel', 'Passport Case', 'Neck Pillow', 'Packing Cube', 'Luggage Tag'],
};
const CATEGORIES = Object.keys(NOUNS);

/** Number of demo products: p-0001 … p-1200. */
export const DEMO_PRODUCT_COUNT = 1200;

/** Demo users with carts and favorites; u-4 has an empty cart (the service answers 404). */
export const DEMO_USERS = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5'] as const;

/** mulberry32: a tiny seeded PRNG, good enough for demo data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function productId(index: number): string {
  return `p-${String(index).padStart(4, '0')}`;
}

export function createDemoData(seed = 42): DemoData {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const products: DemoProduct[] = [];
  const prices = new Map<string, number>();
  const stock = new Map<string, number>();
  for (let index = 1; index <= DEMO_PRODUCT_COUNT; index++) {
    const category = CATEGORIES[index % CATEGORIES.length]!;
    const name = `${pick(ADJECTIVES)} ${pick(MATERIALS)} ${pick(NOUNS[category]!)}`;
    const id = productId(index);
    products.push({ id, name, category, description: `A ${name.toLowerCase()} from the ${category} range.` });
    prices.set(id, 199 + Math.floor(random() * 200) * 100 + 99 - 99 * Math.floor(random() * 2));
    const roll = random();
    stock.set(id, roll < 0.1 ? 0 : roll < 0.25 ? 1 + Math.floor(random() * 5) : 6 + Math.floor(random() * 60));
  }
  const carts = new Map<string, Array<{ productId: string; quantity: number }>>();
  const favorites = new Map<string, string[]>();
  const lineCounts = [3, 10, 1, 0, 5];
  DEMO_USERS.forEach((user, userIndex) => {
    const lines = lineCounts[userIndex]!;
    if (lines > 0) {
      carts.set(
        user,
        Array.from({ length: lines }, (_, line) => ({ productId: productId(1 + userIndex * 50 + line * 7), quantity: 1 + ((line + userIndex) % 3) })),
      );
    }
    if (user !== 'u-5') favorites.set(user, Array.from({ length: 2 + userIndex }, (_, n) => productId(100 + userIndex * 31 + n * 13)));
  });
  return { products, productsById: new Map(products.map((product) => [product.id, product])), prices, stock, carts, favorites };
}
