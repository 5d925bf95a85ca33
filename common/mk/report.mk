# report.mk - what make report shows of a chapter (included by chapter.mk).
#
# Provides: demo (each DEMOS command run from build/report/<id>/, its output,
# exit status and seconds kept for report.sh, which also learns the demos in
# FAILS_ON_PURPOSE; its figures drawn there), plots (each
# plots/NAME.gp drawn from its data by plots/plot.sh into build/plots/<id>/),
# figures (the committed snapshots in figures/ redrawn from the last report's
# data, with the machine and date), asm. Only `figures` writes into the
# checkout.

demo: programs benches
	@mkdir -p $(OUT)
	@$(if $(DEMOS),,echo "$(ID): no demos")
	@$(foreach d,$(DEMOS),\
	  echo "== $(ID)/$(d): $(subst $(TOP)/,,$(demo_$(d)))"; \
	  t0=$$(date +%s.%N); \
	  ( cd $(OUT) && $(demo_$(d)) ) > $(OUT)/$(d).txt 2>&1; \
	  echo "$$?" > $(OUT)/$(d).rc; \
	  echo "$$t0 $$(date +%s.%N)" | awk '{ printf "%.1f\n", $$2 - $$1 }' > $(OUT)/$(d).secs; \
	  tail -n 1 $(OUT)/$(d).txt; \
	  $(if $(filter $(d),$(FAILS_ON_PURPOSE)),touch $(OUT)/$(d).on-purpose;))
	@$(foreach p,$(PLOTS),$(call PLOT,$(p),$(OUT)/$(p),-) || true;)

# PLOT draws figure p into $(2).png/.svg from the first of its data files that
# exists (plotdata_p, default $(OUT)/p.tsv), and copies it into the snapshot
# folder $(3) ("-" for none).
plot_data = $(or $(plotdata_$(1)),$(OUT)/$(1).tsv)
PLOT = $(TOP)/plots/plot.sh $(CURDIR)/plots/$(1).gp $(2) $(3) '$(or $(plothint_$(1)),make report)' \
       $(call plot_data,$(1))

# make plots: a figure without data is named with the command that makes it;
# the step fails when gnuplot fails, or when no figure had data at all (unless
# NONE_OK=1: the top-level make plots asks every chapter, and judges the sum).
plots:
	@$(if $(PLOTS),,echo "$(ID): no figures")
	@drawn=0 missing=0 broken=0; \
	 $(foreach p,$(PLOTS),$(call PLOT,$(p),$(TOP)/build/plots/$(ID)/$(p),-); \
	   rc=$$?; if [ $$rc -eq 0 ]; then drawn=$$((drawn + 1)); elif [ $$rc -eq 3 ]; then \
   missing=$$((missing + 1)); else broken=$$((broken + 1)); fi;) \
	 $(if $(PLOTS),echo "   $(ID): $$drawn of $(words $(PLOTS)) figures drawn$$([ $$missing -eq 0 ] || echo ", $$missing without data")$$([ $$broken -eq 0 ] || echo ", $$broken failed")";) \
	 [ $$broken -eq 0 ] && { [ $$drawn -gt 0 ] || [ $$missing -eq 0 ] || [ "$(NONE_OK)" = 1 ]; }

# The README's snapshots, from the data of the last make report (or make bench).
figures:
	@$(if $(PLOTS),,echo "$(ID): no figures")
	@status=0; $(foreach p,$(PLOTS),$(call PLOT,$(p),$(OUT)/$(p),figures) || status=1;) \
	 exit $$status

asm:
	@$(if $(ASM_CMD),$(ASM_CMD) $(TOP)/build/asm/$(ID),echo "$(ID): no instruction tables; nothing to do")
