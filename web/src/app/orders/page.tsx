"use client";

import { useState } from "react";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { OrderForm } from "@/components/order-form";
import { useApp } from "@/components/providers";
import { StatusBadge } from "@/components/state-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useApi } from "@/hooks/use-api";
import { money, num, nsToUtc } from "@/lib/format";
import { isWorking } from "@/lib/orders";
import { can } from "@/lib/roles";

const LIMIT = 50;
const STATES = ["", "pending_approval", "working", "partially_filled", "filled", "denied", "cancelled", "rejected", "expired"];

export default function OrdersPage() {
  const { api, session } = useApp();
  const [state, setState] = useState("");
  const orders = useApi((a) => a.orders({ state: state || undefined, limit: LIMIT }), [state], { refreshOn: ["order", "fill"], throttleMs: 100 });
  const fills = useApi((a) => a.fills({ limit: LIMIT }), [], { refreshOn: ["fill"], throttleMs: 100 });
  const mayTrade = can(session, "orders.write");
  const [cancelError, setCancelError] = useState<Error | null>(null);
  const cancel = async (id: string) => {
    try {
      await api.cancelOrder(id);
      setCancelError(null);
    } catch (e) {
      setCancelError(e instanceof Error ? e : new Error(String(e)));
    }
    orders.reload();
  };

  return (
    <AppShell title="Orders & fills">
      <ErrorNote error={orders.error ?? fills.error ?? cancelError} />
      {mayTrade && (
        <Card>
          <CardHeader>
            <CardTitle>New order</CardTitle>
          </CardHeader>
          <CardContent>
            <OrderForm
              onSubmit={async (o) => {
                const created = await api.submitOrder(o);
                orders.reload();
                return created;
              }}
            />
          </CardContent>
        </Card>
      )}
      <Card>
        <CardHeader>
          <div className="flex flex-col gap-1">
            <CardTitle>Orders</CardTitle>
            <span className="text-muted-foreground text-xs">the newest {LIMIT}</span>
          </div>
          <label className="flex items-center gap-2 text-sm">
            State
            <NativeSelect value={state} onChange={(e) => setState(e.target.value)} aria-label="Filter by state">
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {s || "all"}
                </option>
              ))}
            </NativeSelect>
          </label>
        </CardHeader>
        <CardContent>
          <Table data-testid="orders-table">
            <TableHeader>
              <TableRow>
                <TableHead>Order</TableHead>
                <TableHead>State</TableHead>
                <TableHead>Structure</TableHead>
                <TableHead>Legs</TableHead>
                <TableHead className="text-right">Qty</TableHead>
                <TableHead className="text-right">Filled</TableHead>
                <TableHead className="text-right">Limit</TableHead>
                <TableHead className="text-right">Avg fill</TableHead>
                <TableHead>Source</TableHead>
                <TableHead>Updated (UTC)</TableHead>
                <TableHead>Reason</TableHead>
                {mayTrade && <TableHead />}
              </TableRow>
            </TableHeader>
            <TableBody className="num">
              {(orders.data ?? []).map((o) => (
                <TableRow key={o.client_order_id} data-testid="order-row" data-order-id={o.client_order_id} data-state={o.state}>
                  <TableCell className="font-mono text-xs">{o.client_order_id}</TableCell>
                  <TableCell>
                    <StatusBadge status={o.state} />
                  </TableCell>
                  <TableCell>{o.structure}</TableCell>
                  <TableCell className="font-mono text-xs">
                    {o.legs.map((l) => `${l.side} ${l.ratio}×${l.symbol}`).join(", ")}
                  </TableCell>
                  <TableCell className="text-right">{o.quantity}</TableCell>
                  <TableCell className="text-right">{o.filled_quantity}</TableCell>
                  <TableCell className="text-right">{o.limit_price === null ? "mkt" : num(o.limit_price)}</TableCell>
                  <TableCell className="text-right">{num(o.avg_fill_price)}</TableCell>
                  <TableCell>{o.source}</TableCell>
                  <TableCell>{nsToUtc(o.updated_ns)}</TableCell>
                  <TableCell className="text-muted-foreground max-w-xs truncate text-xs" title={o.reason}>
                    {o.reason || o.reason_code}
                  </TableCell>
                  {mayTrade && (
                    <TableCell>
                      {isWorking(o.state) && (
                        <Button size="sm" variant="outline" onClick={() => void cancel(o.client_order_id)}>
                          Cancel
                        </Button>
                      )}
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {(orders.data ?? []).length === 0 && <p className="text-muted-foreground py-4 text-center text-sm">No orders.</p>}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <div className="flex flex-col gap-1">
            <CardTitle>Fills</CardTitle>
            <span className="text-muted-foreground text-xs">the newest {LIMIT}</span>
          </div>
        </CardHeader>
        <CardContent>
          <Table data-testid="fills-table">
            <TableHeader>
              <TableRow>
                <TableHead>Time (UTC)</TableHead>
                <TableHead>Order</TableHead>
                <TableHead>Symbol</TableHead>
                <TableHead>Side</TableHead>
                <TableHead className="text-right">Qty</TableHead>
                <TableHead className="text-right">Price</TableHead>
                <TableHead className="text-right">Fee</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody className="num">
              {(fills.data ?? []).map((f) => (
                <TableRow key={f.fill_id}>
                  <TableCell>{nsToUtc(f.ts_ns)}</TableCell>
                  <TableCell className="font-mono text-xs">{f.client_order_id}</TableCell>
                  <TableCell className="font-mono text-xs">{f.symbol}</TableCell>
                  <TableCell className={f.side === "buy" ? "text-success" : "text-destructive"}>{f.side}</TableCell>
                  <TableCell className="text-right">{f.quantity}</TableCell>
                  <TableCell className="text-right">{num(f.price)}</TableCell>
                  <TableCell className="text-right">{money(f.fee)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {(fills.data ?? []).length === 0 && <p className="text-muted-foreground py-4 text-center text-sm">No fills.</p>}
        </CardContent>
      </Card>
    </AppShell>
  );
}
