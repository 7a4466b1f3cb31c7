"use client";

import type * as React from "react";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { parseLegs } from "@/lib/orders";
import type { NewOrder, Order } from "@/lib/types";

/** A manual order: it goes through risk and the approval policy like any other. */
export function OrderForm({ onSubmit }: { onSubmit: (o: NewOrder) => Promise<Order> }) {
  const [underlying, setUnderlying] = useState("sp500");
  const [structure, setStructure] = useState("custom");
  const [legs, setLegs] = useState("");
  const [quantity, setQuantity] = useState("1");
  const [limit, setLimit] = useState("");
  const [tif, setTif] = useState<"day" | "gtc">("day");
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const order = await onSubmit({
        underlying,
        structure,
        legs: parseLegs(legs),
        quantity: Number(quantity),
        limit_price: limit.trim() === "" ? null : Number(limit),
        tif,
      });
      setNote({ ok: true, text: `${order.client_order_id}: ${order.state}${order.reason ? ` (${order.reason})` : ""}` });
    } catch (err) {
      setNote({ ok: false, text: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-6" aria-label="New order">
      <div className="flex flex-col gap-1">
        <Label htmlFor="o-und">Underlying</Label>
        <Input id="o-und" value={underlying} onChange={(e) => setUnderlying(e.target.value)} required />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="o-struct">Structure</Label>
        <Input id="o-struct" value={structure} onChange={(e) => setStructure(e.target.value)} />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="o-qty">Quantity</Label>
        <Input id="o-qty" type="number" min={1} value={quantity} onChange={(e) => setQuantity(e.target.value)} required />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="o-limit">Limit (empty: market)</Label>
        <Input id="o-limit" type="number" step="0.01" value={limit} onChange={(e) => setLimit(e.target.value)} />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="o-tif">Time in force</Label>
        <NativeSelect id="o-tif" value={tif} onChange={(e) => setTif(e.target.value as "day" | "gtc")}>
          <option value="day">day</option>
          <option value="gtc">gtc</option>
        </NativeSelect>
      </div>
      <div className="flex items-end">
        <Button type="submit" className="w-full">
          Submit order
        </Button>
      </div>
      <div className="flex flex-col gap-1 sm:col-span-2 lg:col-span-6">
        <Label htmlFor="o-legs">Legs, one a line: buy|sell [ratio] SYMBOL</Label>
        <Textarea id="o-legs" value={legs} onChange={(e) => setLegs(e.target.value)} placeholder={"sell SP500-20180316-P2600\nbuy SP500-20180316-P2550"} required />
      </div>
      {note && (
        <p role="status" className={`text-sm sm:col-span-2 lg:col-span-6 ${note.ok ? "" : "text-destructive"}`}>
          {note.text}
        </p>
      )}
    </form>
  );
}
