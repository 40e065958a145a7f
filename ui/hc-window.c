/* hc-window.c: the main window: patient list and the selected patient
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-window"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-account.h"
#include "hc-chart-view.h"
#include "hc-chart-view-private.h"
#include "hc-conflict-view.h"
#include "hc-encounter-editor.h"
#include "hc-merge.h"
#include "hc-patient.h"
#include "hc-order-dialog.h"
#include "hc-patient-row.h"
#include "hc-patient-slots.h"
#include "hc-preferences-window.h"
#include "hc-record-text.h"
#include "hc-setup-page.h"
#include "hc-prescribe-dialog.h"
#include "hc-schedule-view.h"
#include "hc-sync-engine.h"
#include "hc-window-patients.h"
#include "hc-window-private.h"

struct _HcWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  GtkWidget            *content;
  GtkSearchEntry       *search_entry;
  GtkStack             *list_stack;
  GtkListView          *list_view;
  GtkNoSelection       *selection;
  AdwStatusPage        *empty_page;
  AdwWindowTitle       *content_title;
  GtkStack             *content_stack;
  HcChartView          *chart_view;
  AdwStatusPage        *problem_page;
  GtkWidget            *command_box;
  GtkLabel             *command_label;
  GtkPasswordEntry     *passphrase_entry;
  GtkLabel             *unlock_error_label;
  GtkWidget            *unlock_spinner;
  GtkWidget            *sync_button;
  GtkImage             *sync_icon;
  GtkLabel             *sync_label;
  GtkLabel             *sync_detail_label;
  GtkProgressBar       *sync_progress;
  GtkWidget            *conflicts_button;
  GtkLabel             *conflicts_button_label;
  HcConflictView       *conflict_view;
  HcSetupPage          *setup_page;
  HcScheduleView       *schedule_view;

  /* owned */
  HcStore              *store;
  HcPatientSlots       *slots;               /* the list's rows over the search's patients */
  guint                 more_rows_id;        /* idle: rows for the next patients, if near */
  GSettings            *settings;
  GCancellable         *cancellable;         /* cancelled when the window closes */
  GCancellable         *search_cancellable;  /* the search in flight, if any */
  HcPatient            *shown_patient;
  char                 *pending_query;       /* what the search in flight looks for */
  char                 *completed_query;     /* what the list shows results for */
  guint                 search_serial;
  char                 *store_dir;           /* to open the store from the unlock page */
  guint                 unlock_serial;       /* unlock attempts finished */
  guint                 auto_lock_ms;        /* 0: never */
  guint                 auto_lock_id;
  gint64                last_input;          /* monotonic time of the last input event */
  HcSyncEngine         *sync_engine;         /* NULL until the store is known to be logged in */
  guint                 sync_serial;         /* "Sync now" runs finished */
  char                 *last_toast;          /* for tests */
  GtkWidget            *preferences;         /* weak: the preferences window, while open */
  guint                 sign_out_serial;     /* sign-outs finished */
};

G_DEFINE_FINAL_TYPE (HcWindow, hc_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_STORE_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_patient (HcWindow  *self,
              HcPatient *patient)
{
  g_set_object (&self->shown_patient, patient);
  hc_chart_view_set_patient (self->chart_view, patient);
  gtk_stack_set_visible_child_name (self->content_stack, patient ? "patient" : "none");
}

/* Folded, the content replaces the list (and takes the focus); side by side, the focus stays
 * where the user is typing. */
static void
open_content (HcWindow *self)
{
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static void
show_results (HcWindow   *self,
              GListModel *model,
              gboolean    new_query)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint n_items = model ? g_list_model_get_n_items (model) : 0;

  /* the rows stay and show the new patients: no row widgets built per keystroke; a new query
   * starts at the top of its results */
  hc_patient_slots_set_patients (self->slots, model);
  if (new_query)
    gtk_adjustment_set_value (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view)),
                              0);

  if (n_items > 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
    }
  else if (query == NULL || *query == '\0')
    {
      adw_status_page_set_icon_name (self->empty_page, "avatar-default-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Patients Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Patients appear here once they are imported or "
                                         "synced from the practice server."));
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "system-search-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Patients Match"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try part of a name, a medical record number, a birth "
                                         "date like 1954-03-12, or a phone number."));
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }

  /* keep the content pane in step when the shown patient's row changed */
  if (self->shown_patient != NULL)
    {
      const char *id = hc_patient_get_id (self->shown_patient);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(HcPatient) patient = g_list_model_get_item (model, i);

          if (g_strcmp0 (hc_patient_get_id (patient), id) == 0)
            {
              show_patient (self, patient);
              break;
            }
        }
    }
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GError) error = NULL;
  gboolean new_query;

  model = hc_store_search_patients_finish (HC_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  new_query = g_strcmp0 (self->pending_query, self->completed_query) != 0;
  g_clear_object (&self->search_cancellable);
  self->search_serial++;
  g_free (self->completed_query);
  self->completed_query = g_steal_pointer (&self->pending_query);

  if (model == NULL)
    {
      g_warning ("Patient search failed: %s %d", g_quark_to_string (error->domain), error->code);
      hc_patient_slots_set_patients (self->slots, NULL);
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Search Failed"));
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
      return;
    }

  show_results (self, model, new_query);
}

static void
start_search (HcWindow *self)
{
  const char *query;

  if (self->store == NULL || hc_store_is_locked (self->store))
    return;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled",
                           G_CALLBACK (g_cancellable_cancel), self->search_cancellable,
                           G_CONNECT_SWAPPED);

  query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_free (self->pending_query);
  self->pending_query = g_strdup (query);
  hc_store_search_patients_async (self->store, query, 0, self->search_cancellable,
                                  search_cb, g_object_ref (self));
}

static void
search_changed_cb (HcWindow       *self,
                   GtkSearchEntry *entry)
{
  start_search (self);
}

static void
search_activate_cb (HcWindow       *self,
                    GtkSearchEntry *entry)
{
  GListModel *model = hc_patient_slots_get_patients (self->slots);

  /* Enter in the search field opens the only match */
  if (g_list_model_get_n_items (model) == 1)
    {
      g_autoptr(HcPatient) patient = g_list_model_get_item (model, 0);

      show_patient (self, patient);
      open_content (self);
    }
}

static void
list_activate_cb (HcWindow    *self,
                  guint        position,
                  GtkListView *list_view)
{
  g_autoptr(HcPatient) patient = g_list_model_get_item (hc_patient_slots_get_patients (self->slots),
                                                        position);

  if (patient == NULL)
    return;
  show_patient (self, patient);
  open_content (self);
}

static void
store_changed_cb (HcWindow *self,
                  HcStore  *store)
{
  start_search (self);
}

/* The list gets rows for a page of patients at a time (a search builds fewer rows, see
 * hc-patient-slots.h), and the next page once the user scrolls within a page of the end. */
#define PATIENT_PAGE 50

static gboolean
more_rows_cb (gpointer user_data)
{
  HcWindow *self = user_data;
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  double page = gtk_adjustment_get_page_size (adjustment);

  self->more_rows_id = 0;
  if (page > 0 &&
      gtk_adjustment_get_value (adjustment) + 2 * page >= gtk_adjustment_get_upper (adjustment))
    hc_patient_slots_show_more (self->slots);
  return G_SOURCE_REMOVE;
}

/* not from the adjustment's signal itself: that comes while the list view is being allocated */
static void
list_scrolled_cb (HcWindow *self)
{
  if (self->more_rows_id == 0)
    self->more_rows_id = g_idle_add (more_rows_cb, self);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (item, hc_patient_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  /* the row follows its slot from search to search */
  GBinding *binding = g_object_bind_property (gtk_list_item_get_item (item), "patient",
                                              gtk_list_item_get_child (item), "patient",
                                              G_BINDING_SYNC_CREATE);

  g_object_set_data (G_OBJECT (item), "hc-row-binding", binding);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (item), "hc-row-binding");

  if (binding != NULL)
    g_binding_unbind (binding);
  hc_patient_row_set_patient (HC_PATIENT_ROW (gtk_list_item_get_child (item)), NULL);
}

/* ---- sync --------------------------------------------------------------------------------- */

static void update_conflicts_button (HcWindow *self,
                                     guint     count);

/* "Synced at 14:32" today, else with the date. */
static char *
format_last_sync (const char *last_sync)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = NULL;

  if (last_sync == NULL || (when = g_date_time_new_from_iso8601 (last_sync, NULL)) == NULL)
    return g_strdup (_("Not synced yet"));
  local = g_date_time_to_local (when);
  if (g_date_time_get_year (local) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    {
      time = g_date_time_format (local, "%H:%M");
      /* Translators: %s is a time of day like 14:32 */
      return g_strdup_printf (_("Synced at %s"), time);
    }
  time = g_date_time_format (local, "%Y-%m-%d %H:%M");
  /* Translators: %s is a date and time like 2026-11-27 14:32 */
  return g_strdup_printf (_("Synced on %s"), time);
}

static void
update_sync_indicator (HcWindow *self)
{
  g_autofree char *label = NULL;
  g_autofree char *detail = NULL;
  HcSyncState state;
  guint pending;
  double progress;
  const char *icon;
  const char *error;

  if (self->sync_engine == NULL)
    {
      gtk_widget_set_visible (self->sync_button, FALSE);
      return;
    }

  state = hc_sync_engine_get_state (self->sync_engine);
  pending = hc_sync_engine_get_pending_count (self->sync_engine);
  progress = hc_sync_engine_get_progress (self->sync_engine);
  error = hc_sync_engine_get_error (self->sync_engine);
  gtk_widget_remove_css_class (self->sync_button, "error");
  gtk_widget_set_visible (GTK_WIDGET (self->sync_progress), state == HC_SYNC_STATE_SYNCING);

  switch (state)
    {
    case HC_SYNC_STATE_SYNCING:
      icon = "emblem-synchronizing-symbolic";
      if (progress > 0.0)
        /* Translators: sync progress, e.g. "Syncing 40 %" */
        label = g_strdup_printf (_("Syncing %d %%"), (int) (progress * 100.0));
      else
        label = g_strdup (_("Syncing…"));
      detail = g_strdup (_("Sending changes made here and fetching colleagues’ changes."));
      gtk_progress_bar_set_fraction (self->sync_progress, progress);
      break;

    case HC_SYNC_STATE_OFFLINE:
      icon = "network-offline-symbolic";
      label = g_strdup (_("Offline"));
      detail = g_strdup (_("The practice server cannot be reached. Changes are kept on this "
                           "computer and sent when it can be reached again."));
      break;

    case HC_SYNC_STATE_ERROR:
      icon = "dialog-warning-symbolic";
      label = g_strdup (_("Sync Problem"));
      detail = g_strdup (error != NULL ? error : _("Sync stopped and needs attention."));
      gtk_widget_add_css_class (self->sync_button, "error");
      break;

    case HC_SYNC_STATE_LOGGED_OUT:
      icon = "dialog-warning-symbolic";
      label = g_strdup (_("Not Logged In"));
      detail = g_strdup (_("This computer is not logged in to the practice server. Choose "
                           "Connect to Server in the main menu."));
      break;

    case HC_SYNC_STATE_IDLE:
    default:
      icon = pending > 0 ? "document-send-symbolic" : "emblem-ok-symbolic";
      label = format_last_sync (hc_sync_engine_get_last_sync (self->sync_engine));
      detail = g_strdup (label);
      break;
    }

  /* what waits matters more than when the last sync was */
  if (pending > 0 && state != HC_SYNC_STATE_SYNCING && state != HC_SYNC_STATE_ERROR)
    {
      g_autofree char *waiting = g_strdup_printf (ngettext ("%u change waiting",
                                                           "%u changes waiting", pending),
                                                 pending);
      g_autofree char *both = g_strdup_printf ("%s\n%s", detail, waiting);

      g_free (detail);
      detail = g_steal_pointer (&both);
      g_free (label);
      label = g_steal_pointer (&waiting);
    }

  gtk_image_set_from_icon_name (self->sync_icon, icon);
  gtk_label_set_label (self->sync_label, label);
  gtk_label_set_label (self->sync_detail_label, detail);
  gtk_widget_set_tooltip_text (self->sync_button, detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, detail, -1);
  gtk_widget_set_visible (self->sync_button, TRUE);
  update_conflicts_button (self, hc_sync_engine_get_conflict_count (self->sync_engine));
}

static void
sync_notify_cb (HcWindow     *self,
                GParamSpec   *pspec,
                HcSyncEngine *engine)
{
  update_sync_indicator (self);
}

/* A colleague's change reached the open chart: say so, and show it. */
static void
records_changed_cb (HcWindow     *self,
                    JsonArray    *changes,
                    HcSyncEngine *engine)
{
  g_autofree char *notice = NULL;
  gboolean conflict;

  if (self->shown_patient == NULL)
    return;
  notice = hc_record_text_change_notice (changes, hc_patient_get_id (self->shown_patient),
                                         &conflict);
  if (notice == NULL)
    return;
  /* the newest news replaces what it updates; a conflict offers the way to the inbox */
  hc_toast_show_action (self->toast_overlay, notice, conflict ? 12 : 8,
                        conflict ? _("_Review") : NULL, conflict ? "conflicts.show" : NULL);
  g_free (self->last_toast);
  self->last_toast = g_steal_pointer (&notice);
  hc_window_reload_chart (self);
}

enum {
  LOGIN_NONE,         /* never logged in, with charts made here: work without a server */
  LOGIN_FIRST_RUN,    /* never logged in and empty: the setup page */
  LOGIN_DONE,
};

static void
logged_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_autofree char *url = NULL;
  HcStoreStatus status = { 0 };
  GError *error = NULL;
  gboolean empty;

  url = hc_store_get_sync_value_sync (HC_STORE (source_object), "server_url", cancellable,
                                      &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (url != NULL)
    {
      g_task_return_int (task, LOGIN_DONE);
      return;
    }
  if (!hc_store_get_status_sync (HC_STORE (source_object), &status, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  empty = status.resources == 0;
  hc_store_status_clear (&status);
  g_task_return_int (task, empty ? LOGIN_FIRST_RUN : LOGIN_NONE);
}

static void show_setup (HcWindow   *self,
                        const char *url,
                        const char *user);

static void
logged_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize login = g_task_propagate_int (G_TASK (result), &error);

  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED))
        g_warning ("Could not read the sync login: %s %d", g_quark_to_string (error->domain),
                   error->code);
      return;
    }
  if (login == LOGIN_FIRST_RUN && !hc_store_is_locked (self->store))
    show_setup (self, NULL, NULL);
  if (login != LOGIN_DONE || self->sync_engine != NULL || hc_store_is_locked (self->store))
    return;

  self->sync_engine = hc_sync_engine_new (self->store);
  if (self->settings != NULL)
    g_object_set (self->sync_engine, "interval",
                  g_settings_get_uint (self->settings, "sync-interval-minutes") * 60, NULL);
  g_signal_connect_object (self->sync_engine, "notify", G_CALLBACK (sync_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync_engine, "records-changed", G_CALLBACK (records_changed_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.now", TRUE);
  update_sync_indicator (self);
  hc_sync_engine_start (self->sync_engine);
}

/* Syncs in the background once the store is open, if it is logged in to a server. */
static void
start_sync (HcWindow *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->sync_engine != NULL)
    {
      hc_sync_engine_start (self->sync_engine);
      return;
    }
  task = g_task_new (self->store, self->cancellable, logged_in_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_sync);
  g_task_run_in_thread (task, logged_in_thread);
}

static void
sync_now_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  HcSyncStats stats;

  /* the engine's state and error properties show how it went */
  if (!hc_sync_engine_sync_finish (HC_SYNC_ENGINE (source), result, &stats, &error))
    g_debug ("Sync now failed: %s %d", g_quark_to_string (error->domain), error->code);
  self->sync_serial++;
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);

  if (self->sync_engine == NULL || hc_store_is_locked (self->store))
    return;
  hc_sync_engine_sync_async (self->sync_engine, self->cancellable, sync_now_cb,
                             g_object_ref (self));
}

/* ---- conflict inbox ------------------------------------------------------------------- */

static void
update_conflicts_button (HcWindow *self,
                         guint     count)
{
  g_autofree char *label = g_strdup_printf (ngettext ("%u Conflict", "%u Conflicts", count),
                                            count);

  gtk_label_set_label (self->conflicts_button_label, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->conflicts_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_visible (self->conflicts_button, count > 0);
}

static void
conflict_count_cb (HcWindow       *self,
                   GParamSpec     *pspec,
                   HcConflictView *view)
{
  update_conflicts_button (self, hc_conflict_view_get_count (view));
}

static void
show_conflicts_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);

  g_clear_object (&self->shown_patient);
  /* what a toast about the chart said is here now, and would cover the inbox's buttons */
  hc_toast_dismiss (self->toast_overlay);
  gtk_stack_set_visible_child_name (self->content_stack, "conflicts");
  open_content (self);
  hc_conflict_view_set_store (self->conflict_view, self->store);
  hc_conflict_view_reload (self->conflict_view);
}

/* ---- setup ------------------------------------------------------------------------------ */

static void switch_main_page (HcWindow   *self,
                              const char *name,
                              GtkWidget  *focus);

static void
show_setup (HcWindow   *self,
            const char *url,
            const char *user)
{
  hc_setup_page_set_store (self->setup_page, self->store);
  if (url != NULL || user != NULL)
    hc_setup_page_prefill (self->setup_page, url, user);
  switch_main_page (self, "setup", GTK_WIDGET (_hc_setup_page_get_url (self->setup_page)));
}

static void
setup_logged_in_cb (HcWindow    *self,
                    HcSetupPage *page)
{
  switch_main_page (self, "patients", GTK_WIDGET (self->search_entry));
  if (self->sync_engine != NULL)
    {
      /* logged in again: the engine reads the new login when it syncs */
      hc_sync_engine_start (self->sync_engine);
      hc_sync_engine_sync_async (self->sync_engine, self->cancellable, NULL, NULL);
      return;
    }
  start_sync (self);
}

static void
setup_skipped_cb (HcWindow    *self,
                  HcSetupPage *page)
{
  switch_main_page (self, "patients", GTK_WIDGET (self->search_entry));
}

static void
account_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(HcAccount) a = hc_account_load_finish (HC_STORE (source), result, NULL);

  if (a == NULL || hc_store_is_locked (self->store))
    return;
  show_setup (self, a->url, a->user);
}

static void
log_in_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);

  if (self->store == NULL || hc_store_is_locked (self->store))
    return;
  hc_account_load_async (self->store, self->cancellable, account_cb, g_object_ref (self));
}

/* ---- preferences -------------------------------------------------------------------------- */

static void
interval_changed_cb (HcWindow   *self,
                     const char *key,
                     GSettings  *settings)
{
  if (self->sync_engine != NULL)
    g_object_set (self->sync_engine, "interval",
                  g_settings_get_uint (settings, "sync-interval-minutes") * 60, NULL);
}

static void
logout_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (hc_sync_logout_sync (HC_STORE (source_object), cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
logged_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Signing out failed: %s %d", g_quark_to_string (error->domain), error->code);
    }
  self->sign_out_serial++;
  /* one sync that finds the login gone puts the indicator to "Not Logged In" */
  if (self->sync_engine != NULL)
    hc_sync_engine_sync_async (self->sync_engine, self->cancellable, NULL, NULL);
}

static void
sign_out_cb (HcWindow            *self,
             HcPreferencesWindow *preferences)
{
  g_autoptr(GTask) task = NULL;

  if (self->store == NULL || hc_store_is_locked (self->store))
    return;
  if (self->sync_engine != NULL)
    hc_sync_engine_stop (self->sync_engine);
  task = g_task_new (self->store, self->cancellable, logged_out_cb, g_object_ref (self));
  g_task_set_source_tag (task, sign_out_cb);
  g_task_run_in_thread (task, logout_thread);
}

static void
connect_cb (HcWindow            *self,
            HcPreferencesWindow *preferences)
{
  gtk_window_destroy (GTK_WINDOW (preferences));
  gtk_widget_activate_action (GTK_WIDGET (self), "sync.log-in", NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  HcWindow *self = user_data;
  HcPreferencesWindow *preferences;

  if (self->preferences != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->preferences));
      return;
    }
  preferences = hc_preferences_window_new (GTK_WINDOW (self), self->settings,
                                           self->store != NULL && !hc_store_is_locked (self->store)
                                           ? self->store : NULL);
  g_signal_connect_object (preferences, "sign-out", G_CALLBACK (sign_out_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (preferences, "connect", G_CALLBACK (connect_cb), self,
                           G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->preferences, GTK_WIDGET (preferences));
  gtk_window_present (GTK_WINDOW (preferences));
}

static const GActionEntry window_actions[] = {
  { .name = "preferences", .activate = preferences_action },
};

/* ---- locking ---------------------------------------------------------------------------- */

static void lock_window (HcWindow *self);

/* Focus leaves the page first: a text field that is hidden while focused keeps its cursor
 * blinking and GTK complains. */
static void
switch_main_page (HcWindow   *self,
                  const char *name,
                  GtkWidget  *focus)
{
  gtk_root_set_focus (GTK_ROOT (self), NULL);
  gtk_stack_set_visible_child_name (self->main_stack, name);
  gtk_widget_grab_focus (focus);
}

static gboolean
auto_lock_cb (gpointer user_data)
{
  HcWindow *self = user_data;
  gint64 limit = (gint64) self->auto_lock_ms * 1000;
  gint64 idle = g_get_monotonic_time () - self->last_input;

  self->auto_lock_id = 0;
  if (idle >= limit)
    lock_window (self);
  else
    self->auto_lock_id = g_timeout_add ((guint) ((limit - idle) / 1000) + 1, auto_lock_cb, self);
  return G_SOURCE_REMOVE;
}

static void
start_auto_lock (HcWindow *self)
{
  g_clear_handle_id (&self->auto_lock_id, g_source_remove);
  if (self->auto_lock_ms == 0 || self->store == NULL || hc_store_is_locked (self->store))
    return;
  self->auto_lock_id = g_timeout_add (self->auto_lock_ms, auto_lock_cb, self);
}

static gboolean
input_cb (HcWindow                 *self,
          GdkEvent                 *event,
          GtkEventControllerLegacy *controller)
{
  self->last_input = g_get_monotonic_time ();
  return GDK_EVENT_PROPAGATE;
}

static void
auto_lock_changed_cb (HcWindow   *self,
                      const char *key,
                      GSettings  *settings)
{
  self->auto_lock_ms = g_settings_get_uint (settings, "auto-lock-minutes") * 60 * 1000;
  start_auto_lock (self);
}

/* Nothing a passer-by could read stays in the widgets: the list, the chart and the query. */
static void
clear_patient_data (HcWindow *self)
{
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->pending_query, g_free);
  g_clear_pointer (&self->completed_query, g_free);
  hc_patient_slots_set_patients (self->slots, NULL);
  show_patient (self, NULL);
  hc_setup_page_clear (self->setup_page);
  if (self->preferences != NULL)
    gtk_window_destroy (GTK_WINDOW (self->preferences));
  /* both versions of a conflicting record are patient data too */
  hc_conflict_view_clear (self->conflict_view);
  hc_schedule_view_clear (self->schedule_view);
  _hc_window_close_patient_dialogs (self);
  /* the search that this starts finds the store locked and does nothing */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
lock_window (HcWindow *self)
{
  if (self->store == NULL || hc_store_is_locked (self->store))
    return;

  g_debug ("Locking the store");
  g_clear_handle_id (&self->auto_lock_id, g_source_remove);
  if (self->sync_engine != NULL)
    hc_sync_engine_stop (self->sync_engine);
  clear_patient_data (self);
  hc_store_lock (self->store);
  switch_main_page (self, "locked", GTK_WIDGET (self->passphrase_entry));
}

static void
show_unlocked (HcWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_entry), "");
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_error_label), FALSE);
  switch_main_page (self, "patients", GTK_WIDGET (self->search_entry));
  self->last_input = g_get_monotonic_time ();
  start_auto_lock (self);
  start_search (self);
  start_sync (self);
  hc_schedule_view_set_store (self->schedule_view, self->store);
}

static void
set_unlocking (HcWindow *self,
               gboolean  unlocking)
{
  /* not insensitive: that would take the focus away from the entry */
  gtk_editable_set_editable (GTK_EDITABLE (self->passphrase_entry), !unlocking);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "store.unlock", !unlocking);
  gtk_widget_set_visible (self->unlock_spinner, unlocking);
}

static void
show_unlock_error (HcWindow   *self,
                   const char *message)
{
  gtk_label_set_label (self->unlock_error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_error_label), TRUE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->passphrase_entry),
                               GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->passphrase_entry), 0, -1);
}

static void
unlock_finished (HcWindow     *self,
                 const GError *error)
{
  self->unlock_serial++;
  set_unlocking (self, FALSE);
  if (error == NULL)
    show_unlocked (self);
  else if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_WRONG_PASSPHRASE))
    show_unlock_error (self, _("That passphrase does not unlock this chart store. Check Caps "
                               "Lock and try again."));
  else
    hc_window_show_open_error (self, self->store_dir, error);
}

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  HcStore *store = hc_store_open_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (store != NULL)
    {
      self->store = store;
      g_signal_connect_object (self->store, "changed", G_CALLBACK (store_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }
  unlock_finished (self, error);
}

static void
unlock_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (hc_store_unlock_sync (HC_STORE (source_object), task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
unlock_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  unlock_finished (self, error);
}

static void
wipe_string (gpointer data)
{
  char *s = data;

  explicit_bzero (s, strlen (s));
  g_free (s);
}

static void
unlock_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_entry));

  if (passphrase == NULL || *passphrase == '\0')
    {
      show_unlock_error (self, _("Enter the passphrase first."));
      return;
    }

  /* the key derivation takes a moment on purpose: off the UI thread */
  set_unlocking (self, TRUE);
  if (self->store == NULL)
    {
      hc_store_open_async (self->store_dir, HC_STORE_OPEN_NONE, passphrase, self->cancellable,
                           open_cb, g_object_ref (self));
    }
  else
    {
      g_autoptr(GTask) task = g_task_new (self->store, self->cancellable, unlock_cb,
                                          g_object_ref (self));

      g_task_set_source_tag (task, unlock_action);
      g_task_set_task_data (task, g_strdup (passphrase), wipe_string);
      g_task_run_in_thread (task, unlock_thread);
    }
}

static void
lock_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  lock_window (HC_WINDOW (widget));
}

static void
passphrase_activate_cb (HcWindow         *self,
                        GtkPasswordEntry *entry)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "store.unlock", NULL);
}

static void
passphrase_changed_cb (HcWindow         *self,
                       GtkPasswordEntry *entry)
{
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_error_label), FALSE);
  gtk_accessible_reset_state (GTK_ACCESSIBLE (self->passphrase_entry),
                              GTK_ACCESSIBLE_STATE_INVALID);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, gtk_widget_get_parent (GTK_WIDGET (self->list_stack)));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
copy_command_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HcWindow *self = HC_WINDOW (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          gtk_label_get_label (self->command_label));
}

static GSettings *
new_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      /* an uninstalled run without GSETTINGS_SCHEMA_DIR: work, just forget the size */
      g_debug ("Settings schema %s not found; window state will not be saved", APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
load_window_state (HcWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 960, 640);
      return;
    }
  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (HcWindow *self)
{
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));
  int width, height;

  if (self->settings == NULL)
    return;
  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  if (maximized)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static gboolean
hc_window_close_request (GtkWindow *window)
{
  HcWindow *self = HC_WINDOW (window);

  save_window_state (self);
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (hc_window_parent_class)->close_request (window);
}

static void
hc_window_map (GtkWidget *widget)
{
  HcWindow *self = HC_WINDOW (widget);

  GTK_WIDGET_CLASS (hc_window_parent_class)->map (widget);

  /* start in the search field, so Enter opens what was typed */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "patients") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "locked") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_entry));
}

static void
hc_window_constructed (GObject *object)
{
  HcWindow *self = HC_WINDOW (object);

  G_OBJECT_CLASS (hc_window_parent_class)->constructed (object);
  g_object_bind_property (self, "store", self->chart_view, "store", G_BINDING_SYNC_CREATE);

  if (self->store != NULL)
    {
      g_signal_connect_object (self->store, "changed", G_CALLBACK (store_changed_cb), self,
                               G_CONNECT_SWAPPED);
      if (hc_store_is_locked (self->store))
        gtk_stack_set_visible_child_name (self->main_stack, "locked");
      else
        show_unlocked (self);
    }
  else if (self->store_dir != NULL)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "locked");
    }
}

static void
hc_window_dispose (GObject *object)
{
  HcWindow *self = HC_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->search_cancellable);
  g_clear_handle_id (&self->auto_lock_id, g_source_remove);
  g_clear_handle_id (&self->more_rows_id, g_source_remove);
  if (self->sync_engine != NULL)
    hc_sync_engine_stop (self->sync_engine);

  if (self->preferences != NULL)
    gtk_window_destroy (GTK_WINDOW (self->preferences));
  g_clear_weak_pointer (&self->preferences);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_WINDOW);

  g_clear_object (&self->search_cancellable);
  g_clear_object (&self->shown_patient);
  g_clear_object (&self->slots);
  g_clear_object (&self->sync_engine);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hc_window_parent_class)->dispose (object);
}

static void
hc_window_finalize (GObject *object)
{
  HcWindow *self = HC_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending_query, g_free);
  g_clear_pointer (&self->completed_query, g_free);
  g_clear_pointer (&self->store_dir, g_free);
  g_clear_pointer (&self->last_toast, g_free);

  G_OBJECT_CLASS (hc_window_parent_class)->finalize (object);
}

static void
hc_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  HcWindow *self = HC_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_STORE_DIR:
      g_value_set_string (value, self->store_dir);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  HcWindow *self = HC_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_STORE_DIR:
      self->store_dir = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_window_class_init (HcWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = hc_window_constructed;
  object_class->dispose = hc_window_dispose;
  object_class->finalize = hc_window_finalize;
  object_class->get_property = hc_window_get_property;
  object_class->set_property = hc_window_set_property;

  widget_class->map = hc_window_map;

  window_class->close_request = hc_window_close_request;

  /**
   * HcWindow:store:
   *
   * The chart store the window shows, or %NULL when none could be opened.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         HC_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /**
   * HcWindow:store-dir:
   *
   * Where the unlock page opens the store when the window has none yet.
   */
  properties[PROP_STORE_DIR] =
    g_param_spec_string ("store-dir", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HcWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, content);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, selection);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, chart_view);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, problem_page);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, command_box);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, command_label);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, passphrase_entry);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, unlock_error_label);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, unlock_spinner);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, sync_icon);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, sync_detail_label);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, sync_progress);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, conflicts_button);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, conflicts_button_label);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, conflict_view);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, setup_page);
  gtk_widget_class_bind_template_callback (widget_class, setup_logged_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_skipped_cb);
  gtk_widget_class_bind_template_child (widget_class, HcWindow, schedule_view);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_changed_cb);

  gtk_widget_class_install_action (widget_class, "patients.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "patients.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "problem.copy-command", NULL,
                                   copy_command_action);
  gtk_widget_class_install_action (widget_class, "store.unlock", NULL, unlock_action);
  gtk_widget_class_install_action (widget_class, "store.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "sync.now", NULL, sync_now_action);
  gtk_widget_class_install_action (widget_class, "sync.log-in", NULL, log_in_action);
  gtk_widget_class_install_action (widget_class, "conflicts.show", NULL, show_conflicts_action);
  hc_encounter_editor_install_window_actions (widget_class);
  _hc_prescribe_install_actions (widget_class);
  _hc_order_install_actions (widget_class);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "patients.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "patients.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "store.lock", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "sync.now", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "conflicts.show", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
}

static void
hc_window_init (HcWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkEventController *controller;

  g_type_ensure (HC_TYPE_CHART_VIEW);
  g_type_ensure (HC_TYPE_PATIENT_ROW);
  g_type_ensure (HC_TYPE_CONFLICT_VIEW);
  g_type_ensure (HC_TYPE_SETUP_PAGE);
  g_type_ensure (HC_TYPE_SCHEDULE_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->conflict_view, "notify::count", G_CALLBACK (conflict_count_cb),
                           self, G_CONNECT_SWAPPED);
  _hc_window_add_patient_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.now", FALSE);

  self->cancellable = g_cancellable_new ();
  self->settings = new_settings ();
  load_window_state (self);

  /* any key, click, scroll or pointer motion in the window postpones the auto-lock */
  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (controller, "event", G_CALLBACK (input_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  self->auto_lock_ms = 5 * 60 * 1000;
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::auto-lock-minutes",
                               G_CALLBACK (auto_lock_changed_cb), self, G_CONNECT_SWAPPED);
      auto_lock_changed_cb (self, "auto-lock-minutes", self->settings);
      g_signal_connect_object (self->settings, "changed::sync-interval-minutes",
                               G_CALLBACK (interval_changed_cb), self, G_CONNECT_SWAPPED);
      hc_style_follow_settings (self->settings);
    }
  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  self->slots = hc_patient_slots_new (PATIENT_PAGE);
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->slots));
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view)),
                           "changed", G_CALLBACK (list_scrolled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view)),
                           "value-changed", G_CALLBACK (list_scrolled_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->content_stack, "none");
}

/**
 * hc_window_new:
 * @application: (nullable): the application
 * @store: (nullable): the open store, or %NULL to show only a problem page
 *
 * Returns: (transfer full): a new window
 */
HcWindow *
hc_window_new (GtkApplication *application,
               HcStore        *store)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (store == NULL || HC_IS_STORE (store), NULL);

  return g_object_new (HC_TYPE_WINDOW,
                       "application", application,
                       "store", store,
                       NULL);
}

/**
 * hc_window_new_locked:
 * @application: (nullable): the application
 * @store_dir: the store to open once the user gives the passphrase
 *
 * Returns: (transfer full): a new window showing the unlock page
 */
HcWindow *
hc_window_new_locked (GtkApplication *application,
                      const char     *store_dir)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (store_dir != NULL, NULL);

  return g_object_new (HC_TYPE_WINDOW,
                       "application", application,
                       "store-dir", store_dir,
                       NULL);
}

/**
 * hc_window_show_open_error:
 * @store_dir: the store that could not be opened
 * @error: why
 *
 * Shows the problem page that explains @error in a physician's words.
 */
void
hc_window_show_open_error (HcWindow     *self,
                           const char   *store_dir,
                           const GError *error)
{
  g_autofree char *quoted = g_shell_quote (store_dir);
  g_autofree char *description = NULL;
  g_autofree char *command = NULL;
  const char *title;
  const char *icon = "dialog-warning-symbolic";

  g_return_if_fail (HC_IS_WINDOW (self));
  g_return_if_fail (store_dir != NULL && error != NULL);

  if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND))
    {
      icon = "folder-symbolic";
      title = _("No Chart Store Yet");
      description = g_strdup_printf (_("Housecall keeps patient charts in a store folder, and "
                                       "there is none in “%s” yet. Create one with this command, "
                                       "then start Housecall again."), store_dir);
      command = g_strdup_printf ("housecall-cli --store %s init", quoted);
    }
  else if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE))
    {
      title = _("Not a Chart Store");
      description = g_strdup_printf (_("“%s” holds something other than a Housecall store, so "
                                       "Housecall did not touch it. Choose another folder with "
                                       "--store or HOUSECALL_STORE."), store_dir);
    }
  else if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_NEW))
    {
      title = _("Newer Store");
      description = g_strdup (_("This chart store was written by a newer version of Housecall. "
                                "Update Housecall to open it; nothing was changed."));
    }
  else if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_BUSY))
    {
      title = _("Store in Use");
      description = g_strdup (_("Another program is using this chart store. Close it and "
                                "start Housecall again."));
    }
  else
    {
      title = _("Could Not Open the Chart Store");
      /* Translators: %s is a technical reason, in English */
      description = g_strdup_printf (_("Nothing was changed. The reason given was: %s"),
                                     error->message);
    }

  hc_window_show_problem (self, icon, title, description, command);
}

/**
 * hc_window_get_store:
 *
 * Returns: (transfer none) (nullable): the store
 */
HcPatient *
hc_window_get_patient (HcWindow *self)
{
  g_return_val_if_fail (HC_IS_WINDOW (self), NULL);
  return self->shown_patient;
}

void
hc_window_reload_chart (HcWindow *self)
{
  g_return_if_fail (HC_IS_WINDOW (self));

  hc_chart_view_reload (self->chart_view);
}

void
hc_window_note_activity (HcWindow *self)
{
  g_return_if_fail (HC_IS_WINDOW (self));
  self->last_input = g_get_monotonic_time ();
}

/**
 * hc_window_open_patient:
 * @patient: (nullable): the patient whose chart to open, or %NULL for the schedule
 *
 * Shows @patient's chart, or today's schedule.
 */
void
hc_window_open_patient (HcWindow  *self,
                        HcPatient *patient)
{
  g_return_if_fail (HC_IS_WINDOW (self));
  g_return_if_fail (patient == NULL || HC_IS_PATIENT (patient));

  show_patient (self, patient);
  open_content (self);
}

HcStore *
hc_window_get_store (HcWindow *self)
{
  g_return_val_if_fail (HC_IS_WINDOW (self), NULL);

  return self->store;
}

/**
 * hc_window_show_problem:
 * @icon_name: (nullable): a symbolic icon name
 * @title: a short, translated title
 * @description: (nullable): what happened and what to do, translated
 * @command: (nullable): a command the user can copy and run to fix it
 *
 * Replaces the window's content with a page explaining why it cannot show patients.
 */
void
hc_window_show_problem (HcWindow   *self,
                        const char *icon_name,
                        const char *title,
                        const char *description,
                        const char *command)
{
  g_return_if_fail (HC_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  adw_status_page_set_icon_name (self->problem_page,
                                 icon_name ? icon_name : "dialog-warning-symbolic");
  adw_status_page_set_title (self->problem_page, title);
  adw_status_page_set_description (self->problem_page, description);
  gtk_label_set_label (self->command_label, command ? command : "");
  gtk_widget_set_visible (self->command_box, command != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "problem.copy-command", command != NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "problem");
}

HcScheduleView *
_hc_window_get_schedule_view (HcWindow *self)
{
  return self->schedule_view;
}

GtkStack *
_hc_window_get_content_stack (HcWindow *self)
{
  return self->content_stack;
}

GtkEditable *
_hc_window_get_search_entry (HcWindow *self)
{
  return GTK_EDITABLE (self->search_entry);
}

GtkListView *
_hc_window_get_list_view (HcWindow *self)
{
  return self->list_view;
}

GListModel *
_hc_window_get_results (HcWindow *self)
{
  return hc_patient_slots_get_patients (self->slots);
}

guint
_hc_window_get_search_serial (HcWindow *self)
{
  return self->search_serial;
}

const char *
_hc_window_get_completed_query (HcWindow *self)
{
  return self->completed_query;
}

const char *
_hc_window_get_list_state (HcWindow *self)
{
  return gtk_stack_get_visible_child_name (self->list_stack);
}

AdwStatusPage *
_hc_window_get_empty_page (HcWindow *self)
{
  return self->empty_page;
}

const char *
_hc_window_get_main_state (HcWindow *self)
{
  return gtk_stack_get_visible_child_name (self->main_stack);
}

const char *
_hc_window_get_content_state (HcWindow *self)
{
  return gtk_stack_get_visible_child_name (self->content_stack);
}

const char *
_hc_window_get_shown_name (HcWindow *self)
{
  return _hc_chart_view_get_name (self->chart_view);
}

HcChartView *
_hc_window_get_chart_view (HcWindow *self)
{
  return self->chart_view;
}

GtkEditable *
_hc_window_get_passphrase_entry (HcWindow *self)
{
  return GTK_EDITABLE (self->passphrase_entry);
}

GtkLabel *
_hc_window_get_unlock_error (HcWindow *self)
{
  return self->unlock_error_label;
}

guint
_hc_window_get_unlock_serial (HcWindow *self)
{
  return self->unlock_serial;
}

guint
_hc_window_get_auto_lock_ms (HcWindow *self)
{
  return self->auto_lock_ms;
}

void
_hc_window_set_auto_lock_ms (HcWindow *self,
                             guint     ms)
{
  self->auto_lock_ms = ms;
  start_auto_lock (self);
}

HcSyncEngine *
_hc_window_get_sync_engine (HcWindow *self)
{
  return self->sync_engine;
}

guint
_hc_window_get_sync_serial (HcWindow *self)
{
  return self->sync_serial;
}

GtkWidget *
_hc_window_get_sync_button (HcWindow *self)
{
  return self->sync_button;
}

const char *
_hc_window_get_sync_label (HcWindow *self)
{
  return gtk_label_get_label (self->sync_label);
}

HcConflictView *
_hc_window_get_conflict_view (HcWindow *self)
{
  return self->conflict_view;
}

guint
_hc_window_get_conflicts_serial (HcWindow *self)
{
  return _hc_conflict_view_get_serial (self->conflict_view);
}

GtkListBox *
_hc_window_get_conflict_list (HcWindow *self)
{
  return _hc_conflict_view_get_list (self->conflict_view);
}

GtkWidget *
_hc_window_get_conflicts_button (HcWindow *self)
{
  return self->conflicts_button;
}

const char *
_hc_window_get_last_toast (HcWindow *self)
{
  return self->last_toast;
}

HcSetupPage *
_hc_window_get_setup_page (HcWindow *self)
{
  return self->setup_page;
}

GtkWidget *
_hc_window_get_preferences (HcWindow *self)
{
  return self->preferences;
}

guint
_hc_window_get_sign_out_serial (HcWindow *self)
{
  return self->sign_out_serial;
}
