import type { Resolvers } from '../generated/resolvers-types.js';
import { Cart } from './cart.js';
import { CartItem } from './cart-item.js';
import { Inventory } from './inventory.js';
import { Money } from './money.js';
import { Product } from './product.js';
import { Query } from './query.js';
import { Viewer } from './viewer.js';

export const resolvers: Resolvers = { Query, Product, Inventory, Money, Cart, CartItem, Viewer };
