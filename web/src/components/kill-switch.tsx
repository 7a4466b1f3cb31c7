"use client";

import type * as React from "react";

import { OctagonX } from "lucide-react";
import { useState } from "react";

import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/** The kill switch: a red button that asks for a reason and a confirmation before it halts trading. */
export function KillSwitch({ onKill, disabled }: { onKill: (reason: string) => Promise<void>; disabled?: boolean }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const confirm = async (e: React.MouseEvent) => {
    e.preventDefault();
    try {
      await onKill(reason.trim() || "kill switch from the dashboard");
      setOpen(false);
      setReason("");
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="destructive" disabled={disabled} data-testid="kill-switch">
          <OctagonX /> Kill switch
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Halt all trading?</AlertDialogTitle>
          <AlertDialogDescription>
            Every working order is cancelled and no new order is accepted until an admin releases the
            kill switch. The action is recorded in the audit log with your name.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <div className="flex flex-col gap-2">
          <Label htmlFor="kill-reason">Reason</Label>
          <Input id="kill-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why" />
          {error && (
            <p role="alert" className="text-destructive text-sm">
              {error}
            </p>
          )}
        </div>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={confirm} data-testid="kill-confirm">
            Halt trading
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
