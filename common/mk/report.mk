# report.mk - what make report shows of a chapter (included by chapter.mk).
#
# Provides: demo (each DEMOS command run from build/report/<id>/, its output and
# exit status kept for report.sh, its figures drawn there), plots (each
# plots/NAME.gp drawn from its data by plots/plot.sh into build/plots/<id>/),
# figures (the committed snapshots in figures/ redrawn from the last report's
# data, with the machine and date), asm. Only `figures` writes into the
# checkout.

demo: programs benches
	@mkdir -p $(OUT)
	@$(if $(DEMOS),,echo "$(ID): no demos")
	@$(foreach d,$(DEMOS),\
	  echo "== $(ID)/$(d): $(subst $(TOP)/,,$(demo_$(d)))"; \
	  ( cd $(OUT) && $(demo_$(d)) ) > $(OUT)/$(d).txt 2>&1; \
	  echo "$$?" > $(OUT)/$(d).rc; tail -n 1 $(OUT)/$(d).txt;)
	@$(foreach p,$(PLOTS),$(call PLOT,$(p),$(OUT)/$(p),-) || true;)

# PLOT draws figure p into $(2).png/.svg from the first of its data files that
# exists (plotdata_p, default $(OUT)/p.tsv), and copies it into the snapshot
# folder $(3) ("-" for none).
plot_data = $(or $(plotdata_$(1)),$(OUT)/$(1).tsv)
PLOT = $(TOP)/plots/plot.sh $(CURDIR)/plots/$(1).gp $(2) $(3) '$(or $(plothint_$(1)),make report)' \
       $(call plot_data,$(1))

plots:
	@$(if $(PLOTS),,echo "$(ID): no figures")
	@status=0; $(foreach p,$(PLOTS),$(call PLOT,$(p),$(TOP)/build/plots/$(ID)/$(p),-) || status=1;) \
	 exit $$status

# The README's snapshots, from the data of the last make report (or make bench).
figures:
	@$(if $(PLOTS),,echo "$(ID): no figures")
	@status=0; $(foreach p,$(PLOTS),$(call PLOT,$(p),$(OUT)/$(p),figures) || status=1;) \
	 exit $$status

asm:
	@$(if $(ASM_CMD),$(ASM_CMD) $(TOP)/build/asm/$(ID),echo "$(ID): no instruction tables; nothing to do")
