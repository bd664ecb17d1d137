"""DramaTune: watch and listen to a short dramatic scene, recommend music that fits it, fit the
cue to the cut and export the scored scene.

The package reads like the course, one subpackage per notebook, each importing only from the
ones before it and from the shared kernels below them all::

    kernels             config, errors, schema, circumplex, media, frames, signal (the numpy
                        copies of library functions), loudness, lock, parallel, matching, storage
    01 dataset_prep     the demo data, and the cue composer that writes its library
    02 feature_extraction   a scene and a track as points on the valence-arousal circumplex
    03 training         the sound classifier and the music-emotion model
    04 evaluation       how well it picks, on real music it never saw
    06 compose          a cue composed for a scene; a clip of several scenes
    07 fit_and_export   the cue fitted to the cut, mixed and exported
    plots               every figure of the course
    pipeline            video -> SceneProfile -> Recommendations -> fitted cue -> exported scene
    05 recommend_and_merge, cli   the app and the command line, which drive the whole pipeline
    solutions           the exercises' answers, for teachers (no notebook imports them)

Nothing is imported here, so ``import dramatune_lib.media`` stays light, and each stage loads
lazily (lazy_loader, over the names its ``__init__.pyi`` lists): ``fx.analyze_scene`` imports
the fusion module when it is first asked for, so a command pays only for the modules it runs.
"""
